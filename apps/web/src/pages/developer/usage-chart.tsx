import { useQuery } from '@tanstack/react-query';
import { niceCeiling } from '../../lib/chart-scale';
import { useTRPC } from '../../lib/trpc';
import { ErrorMessage, Loading } from '../../ui/status';

const DAYS = 14;
const WIDTH = 640;
const HEIGHT = 180;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** Requests per UTC day over the last 14 days, as plain SVG bars with labelled axes. */
export function UsageChart({ keyId, keyName }: { keyId: string; keyName: string }) {
  const trpc = useTRPC();
  const usage = useQuery(trpc.keys.usage.queryOptions({ id: keyId, days: DAYS }));
  if (usage.isPending) return <Loading label="Loading usage…" />;
  if (usage.isError) {
    return (
      <ErrorMessage
        error={usage.error}
        title="Could not load usage."
        onRetry={() => usage.refetch()}
        retrying={usage.isFetching}
      />
    );
  }

  const days = usage.data.days;
  const total = days.reduce((sum, d) => sum + d.requests, 0);
  const top = niceCeiling(Math.max(...days.map((d) => d.requests)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(days.length, 1);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const ticks = [0, top / 2, top];
  const label = (date: string) => dayLabel.format(new Date(`${date}T00:00:00Z`));
  const summary = `Requests per day with ${keyName}, last ${days.length} days (UTC): ${total.toLocaleString()} in total.`;

  return (
    <figure className="usage">
      <figcaption className="usage__caption">
        Requests per day, last {days.length} days (UTC) · <strong>{total.toLocaleString()}</strong> in total
        {total === 0 ? ' · no requests yet' : ''}
      </figcaption>
      <svg
        className="usage__chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={summary}
        preserveAspectRatio="xMinYMin meet"
      >
        {ticks.map((t) => (
          <g key={t}>
            <line className="usage__grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="usage__tick" x={PAD.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
              {Number.isInteger(t) ? t.toLocaleString() : ''}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const h = Math.max(0, PAD.top + plotH - y(d.requests));
          return (
            <g key={d.date}>
              <rect className="usage__bar" x={x} y={PAD.top + plotH - h} width={barW} height={h} rx={2}>
                <title>{`${label(d.date)}: ${d.requests.toLocaleString()} requests`}</title>
              </rect>
              {(days.length - 1 - i) % 2 === 0 ? (
                <text className="usage__tick" x={x + barW / 2} y={HEIGHT - 8} textAnchor="middle">
                  {label(d.date)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      {/* Tables ignore height and overflow, so the hiding is on a wrapper. */}
      <div className="visually-hidden">
        <table>
          <caption>{summary}</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Requests</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date}>
                <td>{d.date}</td>
                <td>{d.requests}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
