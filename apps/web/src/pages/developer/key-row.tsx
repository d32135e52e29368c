import { SCOPE_INFO } from '@keyhole/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatDate, formatDateTime } from '../../lib/format';
import { type KeyView, useTRPC } from '../../lib/trpc';
import { IconButton } from '../../ui/icon-button';
import { ChartIcon, PencilIcon, RegenerateIcon, TrashIcon, WarningIcon } from '../../ui/icons';
import { Person } from '../../ui/person';
import { DeleteKeyDialog } from './delete-key-dialog';
import { keyWarnings, leakNote } from './key-notes';
import { KeyString } from './key-string';
import { LeakPlace } from './leak-note';
import { RegenerateKeyDialog } from './regenerate-key-dialog';
import { RenameKeyForm } from './rename-key-form';
import { ScopeBadge } from './scope-badge';
import { UsageChart } from './usage-chart';

type OpenDialog = 'regenerate' | 'delete' | null;

export function KeyRow({ apiKey, allowReveal }: { apiKey: KeyView; allowReveal: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [showUsage, setShowUsage] = useState(false);
  const warnings = keyWarnings(apiKey, new Date());
  const leak = leakNote(apiKey);
  const scope = SCOPE_INFO[apiKey.scope];
  const usageId = `usage-${apiKey.id}`;
  const name = apiKey.name;

  return (
    <tbody
      className={`key-row ${warnings.length || leak ? 'key-row--warning' : ''} ${leak ? 'key-row--leaked' : ''}`}
      data-key-id={apiKey.id}
    >
      <tr>
        <th scope="row" className="key-row__name">
          {renaming ? (
            <RenameKeyForm apiKey={apiKey} onDone={() => setRenaming(false)} />
          ) : (
            <div className="key-row__title">
              <span className="key-row__label">{name}</span>
              {apiKey.isLegacy ? (
                <span className="badge badge--legacy" title={scope.description}>
                  Legacy
                </span>
              ) : (
                <IconButton
                  label={`Rename ${name}`}
                  title="Rename"
                  onClick={() => setRenaming(true)}
                  icon={<PencilIcon />}
                />
              )}
            </div>
          )}
          <KeyString apiKey={apiKey} allowReveal={allowReveal} />
          <div className="key-row__sub">
            {apiKey.expiresAt && !warnings.some((w) => w.kind === 'expired') ? (
              <span>Expires {formatDate(apiKey.expiresAt)}</span>
            ) : null}
            {apiKey.rateLimitPerMinute ? <span>{apiKey.rateLimitPerMinute.toLocaleString()}/min</span> : null}
          </div>
          {warnings.map((w) => (
            <p key={w.kind} className="key-row__warning">
              <WarningIcon />
              {w.text}
            </p>
          ))}
        </th>
        <td data-label="Scope">
          <ScopeBadge scope={apiKey.scope} />
        </td>
        <td data-label="Issued to">
          {apiKey.issuedTo ? (
            <Person person={apiKey.issuedTo} />
          ) : (
            <span className="muted">Whole organization</span>
          )}
        </td>
        <td data-label="Created by">
          {apiKey.createdBy ? (
            <Person person={apiKey.createdBy} />
          ) : (
            <span className="muted">{apiKey.isLegacy ? 'Imported' : '—'}</span>
          )}
        </td>
        <td data-label="Created">
          <time dateTime={apiKey.createdAt}>{formatDate(apiKey.createdAt)}</time>
        </td>
        <td data-label="Last used">
          {apiKey.lastUsedAt ? (
            <time dateTime={apiKey.lastUsedAt}>{formatDateTime(apiKey.lastUsedAt)}</time>
          ) : (
            <span className="muted">Never</span>
          )}
        </td>
        <td className="key-row__actions">
          <IconButton
            label={`Usage of ${name}`}
            title="Usage, last 14 days"
            aria-expanded={showUsage}
            aria-controls={showUsage ? usageId : undefined}
            onClick={() => {
              // Fresh usage and a fresh "last used" column tell the same story.
              if (!showUsage) void queryClient.invalidateQueries(trpc.keys.list.queryFilter());
              setShowUsage(!showUsage);
            }}
            icon={<ChartIcon />}
          />
          {apiKey.isLegacy ? null : (
            <IconButton
              label={`Regenerate ${name}`}
              title="Regenerate API key"
              onClick={() => setDialog('regenerate')}
              icon={<RegenerateIcon />}
            />
          )}
          <IconButton
            label={`Delete ${name}`}
            title="Delete"
            danger
            onClick={() => setDialog('delete')}
            icon={<TrashIcon />}
          />
          {dialog === 'regenerate' ? (
            <RegenerateKeyDialog apiKey={apiKey} allowReveal={allowReveal} onClose={() => setDialog(null)} />
          ) : null}
          {dialog === 'delete' ? <DeleteKeyDialog apiKey={apiKey} onClose={() => setDialog(null)} /> : null}
        </td>
      </tr>
      {leak ? (
        // Its own full-width row: a scanner's URL in the name column made the row ten lines tall.
        <tr className="key-row__leak-row">
          <td colSpan={7}>
            <p className="key-row__warning key-row__leak">
              <WarningIcon />
              <span>
                <strong>Published.</strong> A scanner found “{name}”
                {leak.where ? (
                  <>
                    {' '}
                    at <LeakPlace where={leak.where} />
                  </>
                ) : null}{' '}
                on <time dateTime={leak.at}>{leak.when}</time>. Whoever saw it there can use it until you
                regenerate or delete it.
              </span>
            </p>
          </td>
        </tr>
      ) : null}
      {showUsage ? (
        <tr className="key-row__usage" id={usageId}>
          <td colSpan={7}>
            <UsageChart keyId={apiKey.id} keyName={name} />
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}
