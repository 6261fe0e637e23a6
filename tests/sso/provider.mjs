// A real OpenID provider for the tests: node's `oidc-provider` (an OpenID-certified implementation)
// on a loopback port. Usage: node provider.mjs CONFIG.json. The configuration names the issuer,
// the port, the clients, the signing keys and a file of accounts; the accounts file is read at every
// sign-in, so a test changes a person's groups or removes her between two sign-ins.
// Sign-in uses the package's development interactions: any login name with any password, the
// account must exist in the accounts file. Consent is given at once (a first-party client).
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = () => JSON.parse(readFileSync(config.accounts_file, 'utf8'));

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ['lms-tests-only'] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups', 'lms'],
  claims: {
    openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'],
    lms: ['region', 'sector'],
  },
  conformIdTokenClaims: config.conform_id_token_claims ?? false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups lms');
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.listen(config.port, '127.0.0.1', () => console.log(`ready ${config.issuer}`));
