// An independent, certified OpenID provider (panva's oidc-provider) for onair's federated-login tests
// (tests/integration/federation.rs). It is the "platform's identity provider" onair delegates login to.
//
//   node tests/oidc/provider.mjs <port> <onair callback URL>
//
// <port> 0 picks a free port. The issuer is http://127.0.0.1:<port>; when the provider accepts
// connections it prints exactly one line, `oidc-provider ready on 127.0.0.1:<port>`, to stdout.
//
// One static client (`onair-test`, client_secret_basic, PKCE required, authorization_code only) and one
// account (`user-123`). Logging in is headless and deterministic: the built-in development interactions
// (HTML login and consent forms) are off, and GET /interaction/<uid> logs the test account in and grants
// the requested scopes and claims at once. GET /interaction/<uid>?deny=1 ends the interaction with
// `access_denied`, as a user pressing "cancel" at the provider would.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'onair-test';
export const CLIENT_SECRET = 'onair-test-secret-0123456789abcdef';
export const ACCOUNT = {
  sub: 'user-123',
  name: 'Federated Streamer',
  preferred_username: 'fed-streamer',
  picture: 'https://images.example/user-123.png',
  profile: 'https://profiles.example/user-123',
};

const [portArg, callback] = process.argv.slice(2);
const port = Number.parseInt(portArg ?? '', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !callback) {
  console.error('usage: node provider.mjs <port> <onair callback URL>');
  process.exit(2);
}

// A fresh signing key per run: nothing secret is checked in, and no dev-key warning.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

let provider; // set once the port is known; requests before that get 503
const server = createServer(async (req, res) => {
  if (!provider) {
    res.statusCode = 503;
    res.end();
    return;
  }
  const url = new URL(req.url, provider.issuer);
  if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) {
    try {
      await interaction(req, res, url.searchParams.has('deny'));
    } catch (err) {
      console.error('interaction failed:', err);
      res.statusCode = 400;
      res.end(String(err?.message ?? err));
    }
    return;
  }
  provider.callback()(req, res);
});

// Finishes the pending interaction without any page: login as the test account, then consent to what
// was asked (oidc-provider needs a Grant holding the requested OIDC scopes and claims).
async function interaction(req, res, deny) {
  const details = await provider.interactionDetails(req, res);
  if (deny) {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'the user declined at the provider' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const { prompt, params, session, grantId } = details;
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT.sub } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name !== 'consent') {
    throw new Error(`unexpected prompt ${prompt.name}`);
  }
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) {
    grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  }
  if (prompt.details.missingOIDCClaims) {
    grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  }
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  provider = new Provider(`http://127.0.0.1:${actual}`, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [callback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'picture', 'profile'],
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      if (id !== ACCOUNT.sub) {
        return undefined;
      }
      return { accountId: id, claims: async () => ({ ...ACCOUNT }) };
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error:', err));
  // For the log-secrecy test: every token response, one JSON line each, so it can search onair's logs
  // for the upstream tokens it never sees itself.
  if (process.env.OIDC_ISSUED_FILE) {
    provider.on('grant.success', (ctx) => {
      appendFileSync(process.env.OIDC_ISSUED_FILE, `${JSON.stringify(ctx.body)}\n`);
    });
  }
  console.log(`oidc-provider ready on 127.0.0.1:${actual}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
