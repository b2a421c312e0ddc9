import { type GarminApi, GarminTokenInvalidError } from '@fitsync/garmin';

/** What the guard needs from the connection service. */
export interface GarminApiSource {
  /** The API over the current stored tokens, and their token_version. */
  load(): Promise<{ api: GarminApi; version: number }>;
  /** The stored token_version now, or null when the connection is gone or not `connected`. */
  currentVersion(): Promise<number | null>;
  /** Marks the connection reauth_required if its tokens are still those of `version`. */
  markReauth(version: number): Promise<void>;
}

export interface GuardState {
  api: GarminApi;
  version: number;
}

/**
 * Wraps a GarminApi so a GarminTokenInvalidError from any call updates the stored connection:
 * if another instance rotated the tokens meanwhile (token_version moved), the call is retried once
 * on the newer tokens; otherwise the connection becomes `reauth_required` and the error is rethrown.
 * The wrapper has the GarminApi type, so callers cannot tell it apart. `state.version` must follow
 * our own token writes (the onTokens callback updates it).
 */
export function guardGarminApi(state: GuardState, source: GarminApiSource): GarminApi {
  const recover = async (): Promise<boolean> => {
    const now = await source.currentVersion();
    if (now !== null && now !== state.version) {
      const next = await source.load();
      state.api = next.api;
      state.version = next.version;
      return true;
    }
    await source.markReauth(state.version);
    return false;
  };
  const markOnly = async (err: unknown) => {
    if (err instanceof GarminTokenInvalidError) await source.markReauth(state.version);
  };

  return new Proxy(state.api, {
    get(_target, prop) {
      const value = Reflect.get(state.api, prop, state.api) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const invoke = () => (Reflect.get(state.api, prop, state.api) as (...a: unknown[]) => unknown).apply(state.api, args);
        const first = invoke();
        if (first instanceof Promise) {
          return first.catch(async (err: unknown) => {
            if (!(err instanceof GarminTokenInvalidError)) throw err;
            if (!(await recover())) throw err;
            try {
              return await (invoke() as Promise<unknown>);
            } catch (again) {
              await markOnly(again);
              throw again;
            }
          });
        }
        if (isAsyncIterator(first)) return guardIterator(first, markOnly);
        return first;
      };
    },
  });
}

function isAsyncIterator(v: unknown): v is AsyncGenerator<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as AsyncGenerator).next === 'function' && Symbol.asyncIterator in v;
}

// Paging generators (iterateActivities) cannot be retried half-way: they only record the failure.
async function* guardIterator<T>(inner: AsyncGenerator<T>, onError: (err: unknown) => Promise<void>): AsyncGenerator<T> {
  try {
    yield* inner;
  } catch (err) {
    await onError(err);
    throw err;
  }
}
