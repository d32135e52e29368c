import type { Authentication, Bundle, ZObject } from 'zapier-platform-core';
import { apiKeyHelpUrl, developerPageUrl } from './config.js';
import { REQUIRED_SCOPE, SCOPE_LABELS } from './constants.js';
import { whoami } from './keyhole-api.js';
import type { WhoAmI } from './keyhole-types.js';

const REQUIRED_LABEL = SCOPE_LABELS[REQUIRED_SCOPE];

/** “a User – …”, “an Organization – …”: the article as the label is spoken. */
const withArticle = (label: string) => `${/^[AEIO]/i.test(label) ? 'an' : 'a'} “${label}”`;

const howToCreateKey = () =>
  `Ask an admin of your Keyhole organization to create one for you in Settings → Organization → ` +
  `Developer (${developerPageUrl()}): Add API key, scope “${REQUIRED_LABEL}”, issued to you.`;

/**
 * The connection test: `whoami` proves the key works, and only a User – limited access key may connect,
 * so a Zap never receives private meetings or anyone else's.
 */
const test = async (z: ZObject, _bundle: Bundle): Promise<WhoAmI> => {
  const me = await whoami(z);
  if (me.key.scope !== REQUIRED_SCOPE) {
    const label = SCOPE_LABELS[me.key.scope] ?? me.key.scope;
    throw new z.errors.Error(
      `This is ${withArticle(label)} key, but Zapier needs ${withArticle(REQUIRED_LABEL)} key. ${howToCreateKey()}`,
      'wrong_key_scope',
      403,
    );
  }
  return me;
};

/** Zapier passes the test's result as `inputData`: the key user's email and the key's name, never the secret. */
const connectionLabel = async (_z: ZObject, bundle: Bundle<Partial<WhoAmI>>): Promise<string> => {
  const { issuedTo, key } = bundle.inputData;
  if (issuedTo?.email && key?.name) return `${issuedTo.email} (${key.name})`;
  return issuedTo?.email ?? key?.name ?? '';
};

export default {
  type: 'custom',
  fields: [
    {
      key: 'apiKey',
      label: 'API Key',
      type: 'password',
      required: true,
      helpText:
        `A Keyhole API key with the scope **${REQUIRED_LABEL}**, issued to you (it looks like ` +
        '`kh_…:khs_…`). Only your own meetings that are not private reach your Zaps. ' +
        `An org admin creates it in [Settings → Organization → Developer](${apiKeyHelpUrl()}) ` +
        `with **Add API key**, scope “${REQUIRED_LABEL}”, issued to you, and copies it for you.`,
    },
  ],
  test,
  connectionLabel,
} satisfies Authentication;
