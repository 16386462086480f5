import { useState } from "preact/hooks";
import { get, listOf } from "../api.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import { dateTime } from "../format.js";
import { field } from "../form.js";
import { navigate, useLocation } from "../router.js";
import type { StoredEvent } from "../types.js";

const FILTERS = [
  ["service", "Service"],
  ["environment", "Environment"],
  ["type", "Type"],
  ["actor", "Actor"],
] as const;

/** Rows shown at first and added by each "Load more": a phone's page stays a few screens long. */
export const HISTORY_PAGE = 50;

/** The audit trail, filtered through the URL (so a filtered view can be linked). */
export function History() {
  const { query } = useLocation();
  const filters = new URLSearchParams();
  for (const [key] of FILTERS) if (query.get(key)) filters.set(key, query.get(key)!);
  const filtersKey = filters.toString();
  // Rows shown, per filter: a new filter starts again at one page.
  const [shownFor, setShownFor] = useState({ filters: filtersKey, rows: HISTORY_PAGE });
  const rows = shownFor.filters === filtersKey ? shownFor.rows : HISTORY_PAGE;
  // The server may not filter by type or actor yet (then this page does): ask for more events then.
  const filtering = Boolean(query.get("type") || query.get("actor"));
  const limit = Number(query.get("limit")) || Math.max(filtering ? 1000 : 200, rows + 1);
  const params = new URLSearchParams(filters);
  params.set("limit", String(limit));
  const qs = params.toString();
  const events = useData(
    () => get<unknown>(`/api/history?${qs}`).then((r) => listOf<StoredEvent>(r, "events")),
    [qs],
  );
  // An older server ignores type/actor; filter here as well so the page shows what it says.
  const shown = (events.data ?? [])
    .slice()
    .sort((a, b) => b.seq - a.seq)
    .filter(
      (e) =>
        (!query.get("type") || e.type === query.get("type")) &&
        (!query.get("actor") || e.actor === query.get("actor")),
    );
  const page = shown.slice(0, rows);
  // More to show: fetched and not shown yet, or the server may hold more than the limit asked for.
  const more = shown.length > rows || (!filtering && (events.data?.length ?? 0) >= limit);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const [key] of FILTERS) {
      const value = field(form, key);
      if (value) next.set(key, value);
    }
    navigate(`/history${next.size ? `?${next.toString()}` : ""}`);
  };
  return (
    <section>
      <h1 tabIndex={-1}>History</h1>
      <form class="filters" onSubmit={submit} aria-label="Filter the history" key={filtersKey}>
        {FILTERS.map(([key, label]) => (
          <label key={key}>
            {label}
            <input name={key} defaultValue={query.get(key) ?? ""} list={`history-${key}`} />
          </label>
        ))}
        {FILTERS.map(([key]) => (
          <datalist id={`history-${key}`} key={key}>
            {[...new Set((events.data ?? []).map((e) => e[key] ?? ""))]
              .filter(Boolean)
              .sort()
              .map((value) => (
                <option key={value} value={value} />
              ))}
          </datalist>
        ))}
        <button type="submit">Filter</button>
        <a href="/history">Clear</a>
      </form>
      <LoadState error={events.error} loading={events.loading && !events.data} what="the history" />
      {events.data && shown.length === 0 && <p class="muted">No events match.</p>}
      {page.length > 0 && (
        <table class="list" data-testid="history">
          <thead>
            <tr>
              <th scope="col" class="w-time">
                When (UTC)
              </th>
              <th scope="col" class="w-type">
                Type
              </th>
              <th scope="col" class="w-where">
                Where
              </th>
              <th scope="col" class="w-actor">
                Actor
              </th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {page.map((e) => (
              <tr key={e.seq}>
                <td class="mono">{dateTime(e.at)}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{[e.service, e.environment].filter(Boolean).join("/")}</td>
                <td>{e.actor}</td>
                <td>
                  {e.rolloutId ? (
                    <a href={`/rollouts/${encodeURIComponent(e.rolloutId)}`}>{e.message}</a>
                  ) : (
                    e.message
                  )}
                  {e.reason && <span class="muted"> — {e.reason}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.length > 0 && (
        <p class="more">
          <span class="muted" role="status">
            {page.length === 1 ? "1 event" : `${page.length} events`}, newest first
          </span>
          {more && (
            <button
              type="button"
              onClick={() => setShownFor({ filters: filtersKey, rows: rows + HISTORY_PAGE })}
            >
              Load more
            </button>
          )}
        </p>
      )}
    </section>
  );
}
