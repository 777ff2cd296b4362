/**
 * Writes an `az` stand-in into a folder to put first on PATH. @azure/identity's
 * AzureCliCredential runs `az account get-access-token --output json --resource <r> [--tenant <t>]`
 * and reads `accessToken` plus `expires_on` (unix seconds) or `expiresOn` (local date-time); the
 * stand-in answers exactly that by asking the sandbox's control endpoint for a token.
 * Environment: AZURE_DISKS_SANDBOX_TOKEN_LIFETIME=<seconds> asks for short-lived tokens.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeAzCli(dir: string, controlEndpoint: string, defaultSubscription: { id: string; name: string; tenantId: string }): string {
    fs.mkdirSync(dir, { recursive: true });
    const script = `#!${process.execPath}
'use strict';
const CONTROL = ${JSON.stringify(controlEndpoint)};
const SUB = ${JSON.stringify(defaultSubscription)};
const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const pad = (n, w = 2) => String(n).padStart(w, '0');
function localTime(d) {
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.000000';
}
async function main() {
  if (args[0] === '--version' || args[0] === 'version') {
    process.stdout.write('azure-cli                         2.70.0 (sandbox stand-in)\\n');
    return 0;
  }
  if (args[0] === 'account' && args[1] === 'show') {
    process.stdout.write(JSON.stringify({ id: SUB.id, name: SUB.name, tenantId: SUB.tenantId, isDefault: true, state: 'Enabled', user: { name: 'sandbox.user@contoso-sandbox.example', type: 'user' } }, null, 2) + '\\n');
    return 0;
  }
  if (args[0] === 'account' && args[1] === 'get-access-token') {
    let resource = opt('--resource');
    const scope = opt('--scope');
    if (!resource && scope) resource = scope.replace(/\\/\\.default$/, '');
    const tenantId = opt('--tenant');
    const lifetime = Number(process.env.AZURE_DISKS_SANDBOX_TOKEN_LIFETIME) || undefined;
    let res;
    try {
      res = await fetch(CONTROL + '/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ resource, tenantId, lifetimeSeconds: lifetime }) });
    } catch (e) {
      process.stderr.write('ERROR: The sandbox is not running (' + e.message + '). Please run \\'az login\\' to setup account.\\n');
      return 1;
    }
    if (!res.ok) {
      process.stderr.write('ERROR: ' + (await res.text()) + '\\n');
      return 1;
    }
    const t = await res.json();
    process.stdout.write(JSON.stringify({
      accessToken: t.accessToken,
      expiresOn: localTime(new Date(t.expiresOn * 1000)),
      expires_on: t.expiresOn,
      subscription: SUB.id,
      tenant: t.tenantId,
      tokenType: 'Bearer',
    }, null, 2) + '\\n');
    return 0;
  }
  process.stderr.write('ERROR: the sandbox az stand-in supports only: account get-access-token, account show, --version\\n');
  return 2;
}
main().then((code) => { process.exitCode = code; });
`;
    const file = path.join(dir, 'az');
    fs.writeFileSync(file, script, { mode: 0o755 });
    return file;
}
