/**
 * The most one event may take (its unfinished line plus the data lines so
 * far): snapshots are about 1 KiB; without a cap a stream that never ends a
 * line or an event would be buffered without limit.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** Thrown by `push` when an event outgrows the cap; the stream should be dropped. */
export class SseEventTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`an event on the stream is larger than ${maxBytes} bytes`);
  }
}

/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field, "message" when absent. */
  event: string;
  data: string;
  /** The last `id:` seen on the stream so far (for Last-Event-ID on reconnect). */
  id: string | undefined;
}

/**
 * An incremental text/event-stream parser (WHATWG HTML "Server-sent events",
 * §9.2.6 "Interpreting an event stream"): bytes arrive in arbitrary chunks, so
 * a line, a CRLF pair or a multi-byte UTF-8 character may be split across two.
 */
export class SseParser {
  readonly #onEvent: (e: SseEvent) => void;
  readonly #decoder = new TextDecoder('utf-8');
  #buf = '';
  #first = true;
  /** A chunk ended in CR: a LF at the start of the next one belongs to the same line break. */
  #pendingCr = false;
  #event = '';
  #data: string[] = [];
  #hasData = false;
  /** Characters held for the current event: its data lines so far. */
  #dataSize = 0;
  #lastId: string | undefined;
  readonly #maxBytes: number;
  /** The `retry:` reconnection time the server asked for, in ms. */
  retryMs: number | undefined;

  constructor(onEvent: (e: SseEvent) => void, lastId?: string, o: { maxEventBytes?: number } = {}) {
    this.#onEvent = onEvent;
    this.#lastId = lastId;
    this.#maxBytes = o.maxEventBytes ?? MAX_EVENT_BYTES;
  }

  get lastEventId(): string | undefined {
    return this.#lastId;
  }

  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (this.#first && text.length > 0) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.#pendingCr = false;
    this.#buf += text;
    let start = 0;
    for (;;) {
      const cr = this.#buf.indexOf('\r', start);
      const lf = this.#buf.indexOf('\n', start);
      if (cr === -1 && lf === -1) break;
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 === this.#buf.length) {
          // CR at the end of the buffer: maybe half of a CRLF.
          this.#pendingCr = true;
          next = cr + 1;
        } else next = this.#buf[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      this.#line(this.#buf.slice(start, end));
      start = next;
    }
    this.#buf = this.#buf.slice(start);
    // Counted in UTF-16 units, which for this purpose bound the bytes well enough.
    if (this.#buf.length + this.#dataSize > this.#maxBytes) {
      this.#buf = '';
      this.#data = [];
      this.#dataSize = 0;
      throw new SseEventTooLargeError(this.#maxBytes);
    }
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#dataSize += value.length + 1;
        this.#hasData = true;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.#lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored (spec)
    }
  }

  #dispatch(): void {
    const event = this.#event || 'message';
    const data = this.#data.join('\n');
    const has = this.#hasData;
    this.#event = '';
    this.#data = [];
    this.#dataSize = 0;
    this.#hasData = false;
    if (!has) return;
    this.#onEvent({ event, data, id: this.#lastId });
  }
}
