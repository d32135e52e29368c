import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { niceCeiling } from '../../lib/chart-scale';
import { useTRPC } from '../../lib/trpc';
import { ErrorMessage, Loading } from '../../ui/status';
import { outcomeTotals, shownOutcomes, usageSummary } from './usage-outcomes';

const PERIODS = [7, 30, 90] as const;
type Period = (typeof PERIODS)[number];

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const label = (date: string) => dayLabel.format(new Date(`${date}T00:00:00Z`));

/**
 * Requests per UTC day over the last 7, 30 or 90 days, each day a bar stacked by outcome (success,
 * client error, rate limited, and server error when there were any), as plain SVG with labelled
 * axes; a legend with the totals, and the numbers as a table for screen readers.
 */
export function UsageChart({ keyId, keyName }: { keyId: string; keyName: string }) {
  const trpc = useTRPC();
  const ids = useId();
  const [period, setPeriod] = useState<Period>(7);
  const usage = useQuery(trpc.keys.usage.queryOptions({ id: keyId, days: period }));

  const chooser = (
    <fieldset className="usage__periods">
      <legend className="visually-hidden">Usage period of {keyName}</legend>
      {PERIODS.map((p) => (
        <label key={p} className={`usage__period ${p === period ? 'usage__period--on' : ''}`}>
          <input
            type="radio"
            name={`${ids}-period`}
            value={p}
            checked={p === period}
            onChange={() => setPeriod(p)}
          />
          {p} days
        </label>
      ))}
    </fieldset>
  );

  if (usage.isPending) {
    return (
      <div className="usage">
        {chooser}
        <Loading label="Loading usage…" />
      </div>
    );
  }
  if (usage.isError) {
    return (
      <div className="usage">
        {chooser}
        <ErrorMessage
          error={usage.error}
          title="Could not load usage."
          onRetry={() => usage.refetch()}
          retrying={usage.isFetching}
        />
      </div>
    );
  }

  const days = usage.data.days;
  const outcomes = shownOutcomes(days);
  const totals = outcomeTotals(days, outcomes);
  const total = days.reduce((sum, d) => sum + d.requests, 0);
  const top = niceCeiling(Math.max(...days.map((d) => d.requests)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(days.length, 1);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const ticks = [0, top / 2, top];
  // About seven date labels whatever the period, the last day always labelled.
  const every = Math.max(1, Math.ceil(days.length / 7));
  const summary = `Requests per day with ${keyName}, last ${days.length} days (UTC): ${usageSummary(days, outcomes)}.`;

  return (
    <figure className="usage">
      {chooser}
      <figcaption className="usage__caption">
        Requests per day, last {days.length} days (UTC) · <strong>{total.toLocaleString()}</strong> in total
        {total === 0 ? ' · no requests yet' : ''}
      </figcaption>
      <ul className="usage__legend">
        {totals.map((o) => (
          <li key={o.field}>
            <span className={`usage__swatch usage__swatch--${o.field}`} aria-hidden="true" />
            {o.label} <strong>{o.total.toLocaleString()}</strong>
          </li>
        ))}
      </ul>
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
          let base = PAD.top + plotH;
          return (
            <g key={d.date} className="usage__day">
              <title>
                {`${label(d.date)}: ${d.requests.toLocaleString()} requests (${outcomes
                  .map((o) => `${d[o.field].toLocaleString()} ${o.label.toLowerCase()}`)
                  .join(', ')})`}
              </title>
              {outcomes.map((o) => {
                const h = Math.max(0, (d[o.field] / top) * plotH);
                base -= h;
                return h > 0 ? (
                  <rect
                    key={o.field}
                    className={`usage__bar usage__bar--${o.field}`}
                    x={x}
                    y={base}
                    width={barW}
                    height={h}
                  />
                ) : null;
              })}
              {(days.length - 1 - i) % every === 0 ? (
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
              {outcomes.map((o) => (
                <th key={o.field} scope="col">
                  {o.label}
                </th>
              ))}
              <th scope="col">Requests</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date}>
                <th scope="row">{d.date}</th>
                {outcomes.map((o) => (
                  <td key={o.field}>{d[o.field]}</td>
                ))}
                <td>{d.requests}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
