// /activities: the synced activities, newest first, a page at a time (docs/web.md "Pages").
import type { Activity, ActivityList } from '@fitsync/api';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api.js';
import { Alert, Button, formatDateTime, formatDistance, formatDuration, Loading, Table } from '../ui.js';

/** Rows per request: a screenful or two; more come with Load more. */
const PAGE_SIZE = 50;

/** "trail_running" → "Trail running": Garmin's type keys read as words. */
export function typeLabel(type: string | null): string {
  if (!type) return '—';
  const words = type.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The list's name of an activity without one: its type and day, so every row has a link text. */
export function activityName(a: Pick<Activity, 'name' | 'activity_type'>): string {
  const name = a.name?.trim();
  return name ? name : `Untitled ${a.activity_type ? typeLabel(a.activity_type).toLowerCase() : 'activity'}`;
}

function listPath(cursor: string | null): string {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) q.set('cursor', cursor);
  return `/v1/activities?${q}`;
}

export default function Page(_props: { params: Record<string, string>; query: URLSearchParams }): JSX.Element {
  const [rows, setRows] = useState<Activity[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    apiGet<ActivityList>(listPath(null)).then(
      (page) => {
        if (!live) return;
        setRows(page.activities);
        setNext(page.next_cursor);
      },
      (err) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, []);

  const loadMore = async () => {
    if (!next) return;
    setBusy(true);
    setError(null);
    try {
      const page = await apiGet<ActivityList>(listPath(next));
      setRows((r) => [...(r ?? []), ...page.activities]);
      setNext(page.next_cursor);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Activities</h1>
      {rows === null && error === null && <Loading label="Loading activities…" />}
      {rows !== null && rows.length === 0 && (
        <p>
          No activities yet. <a href="/sync">Sync</a> to fetch them from Garmin Connect.
        </p>
      )}
      {rows !== null && rows.length > 0 && (
        <Table caption="Activities" headers={['Date', 'Name', 'Type', 'Distance', 'Duration']} numeric={['Distance', 'Duration']} class="activities">
          {rows.map((a) => (
            <tr key={a.activity_id}>
              <td>{formatDateTime(a.start_time)}</td>
              <td>
                <a href={`/activities/${encodeURIComponent(a.activity_id)}`}>{activityName(a)}</a>
              </td>
              <td>{typeLabel(a.activity_type)}</td>
              <td class="num">{formatDistance(a.distance_m)}</td>
              <td class="num">{formatDuration(a.duration_s)}</td>
            </tr>
          ))}
        </Table>
      )}
      <Alert error={error ?? undefined} />
      {rows !== null && next !== null && (
        <div class="actions">
          <Button variant="secondary" onClick={loadMore} busy={busy}>
            Load more
          </Button>
          <span class="muted" aria-live="polite">
            {rows.length} shown
          </span>
        </div>
      )}
    </>
  );
}
