/**
 * `npm start`: the playground on http://127.0.0.1:${PORT:-3000}, signing in through the built
 * connector against the embedded Hugging Face stand-in, or against huggingface.co when
 * `HF_CLIENT_ID` and `HF_CLIENT_SECRET` are set.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import createConnector from '../lib/index.js';
import { PortInUseError, startHfStandIn } from '../stand-in/index.js';

import { startPlayground } from './server.js';
import { loadTroubleshooting } from './troubleshooting.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 3000);
const realClientId = process.env.HF_CLIENT_ID?.trim();
const realClientSecret = process.env.HF_CLIENT_SECRET?.trim();
const useRealHub = Boolean(realClientId && realClientSecret);

const standIn = useRealHub
  ? undefined
  : await (async () => {
      const clientSecret = randomBytes(24).toString('hex');
      const hub = await startHfStandIn({ clients: [{ clientId: 'playground', clientSecret }] });
      return { hub, clientSecret };
    })();

const settings: Record<string, unknown> = standIn
  ? {
      clientId: 'playground',
      clientSecret: standIn.clientSecret,
      scope: 'openid profile email',
      hubUrl: standIn.hub.url,
    }
  : { clientId: realClientId, clientSecret: realClientSecret, scope: 'openid profile email' };

const started = await startPlayground(
  {
    createConnector: (getConfig) => createConnector({ getConfig }),
    settings,
    locked: standIn
      ? {}
      : {
          clientId: 'Set by HF_CLIENT_ID when the playground starts; restart it with another value to change it.',
          clientSecret: 'Set by HF_CLIENT_SECRET when the playground starts; restart it with another value to change it.',
        },
    // Without a Hub URL the connector signs in at huggingface.co, which knows no "playground" app.
    restoreWhenCleared: standIn ? ['hubUrl'] : [],
    notes: standIn
      ? { hubUrl: 'Here it points at the embedded stand-in; cleared, it goes back to it. "Reset to defaults" restores every field.' }
      : {},
    modeLabel: standIn
      ? `Signing in against the embedded Hugging Face stand-in at ${standIn.hub.url}.`
      : 'Signing in against huggingface.co with your own OAuth app.',
    logoPath: path.join(root, 'logo.svg'),
    hints: loadTroubleshooting(path.join(root, 'README.md')),
  },
  port
).catch(async (error: unknown) => {
  if (!(error instanceof PortInUseError)) {
    throw error;
  }
  console.error(error.message);
  await standIn?.hub.close();
  process.exit(1);
});
const { server, origin, redirectUri } = started;

console.log(`Playground: ${origin}`);
console.log(
  standIn
    ? `Hugging Face stand-in: ${standIn.hub.url} (demo users: ada, blank, outsider)`
    : `Using huggingface.co. Register this redirect URI in your Hugging Face app: ${redirectUri}`
);

const stop = () => {
  server.close();
  server.closeAllConnections();
  void standIn?.hub.close().finally(() => process.exit(0));
  if (!standIn) {
    process.exit(0);
  }
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
