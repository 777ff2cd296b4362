/**
 * The sandbox: a local, truthful stand-in for the two services the extension talks to.
 * Azurite (real) behind a fault-injecting proxy for storage, an ARM emulator for management,
 * seeded from seed.ts, with an `az` stand-in so AzureCliCredential gets the emulator's tokens.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccessService } from './access';
import { startArmServer } from './arm';
import { ProvisionService } from './provision';
import { writeAzCli } from './azcli';
import { DEV_ACCOUNT_NAME, startAzurite, type AzuriteHandle } from './azurite';
import { accountKey, sasSigner, serviceClient } from './blobs';
import { controlHandler, SandboxControl, type ControlBackend } from './control';
import { Faults } from './faults';
import * as seed from './seed';
import { cacheKey, discard, NO_CACHE_ENV, rebase, restore as restoreCache, save as saveCache, type BlobMap } from './seedCache';
import { RequestLog } from './requestLog';
import { startStorageProxy } from './storageProxy';
import { DISK_AUDIENCE, SANDBOX_MANAGED_IDENTITY, SANDBOX_USER_OID, TokenIssuer } from './tokens';
import type { BlobOwner, StorageRefusal } from './storageProxy';
import type { SandboxInfo, SeedDisk, SeedDiskRestorePoint } from './types';
import { buildWorld, familyIdOf, type Resource, type World } from './world';
import { setSnapshotAccess } from './snapshotAccess';
import { PORTAL_PATH } from './portal';

export { SandboxControl } from './control';
export type { ArmFault, LroFault, StorageFault } from './faults';
export type { SandboxInfo, SeedBlob, SeedDisk, SeedDiskRestorePoint } from './types';

export const MANAGEMENT_RESOURCE = 'https://management.sandbox.invalid';
export const MANAGEMENT_SCOPE = `${MANAGEMENT_RESOURCE}/.default`;
/** Environment switch for short-lived tokens (seconds), read by startSandbox and by the `az` stand-in. */
export const TOKEN_LIFETIME_ENV = 'AZURE_DISKS_SANDBOX_TOKEN_LIFETIME';

export interface SandboxOptions {
    /** Also seed 5,000 metadata-only disks across 50 resource groups. */
    scale?: boolean;
    /** Leave out the 1 GiB disk (faster start for tests that do not need it). */
    skipLargeDisk?: boolean;
    /** Add the demo's disks of real sizes (64 GiB, 32 GiB; seed.demoResources): `npm run demo` only. */
    demoDisks?: boolean;
    /** Polls answered "not yet" before a grant/revoke completes (default 2). */
    lroPolls?: number;
    /** Retry-After of long-running operations, seconds (default 1). */
    retryAfterSeconds?: number;
    /** Lifetime of issued tokens (default 3600, or $AZURE_DISKS_SANDBOX_TOKEN_LIFETIME). */
    tokenLifetimeSeconds?: number;
    /** List page size (default 3; 100 with `scale`). */
    pageSize?: number;
    /** One line per request, paths only. */
    log?: (line: string) => void;
    /**
     * Reuse seeded blobs from earlier runs (default true; $AZURE_DISKS_SANDBOX_NO_CACHE=1 turns it
     * off). Without it Azurite keeps everything in memory and is seeded on every start.
     */
    cache?: boolean;
    /** Folder for the manifest and the `az` stand-in (default: a new temp folder, removed on stop). */
    runDir?: string;
}

/** A quick look that the restored Azurite really holds the cached blobs (sizes of a few of them). */
async function cacheLooksWhole(service: ReturnType<typeof serviceClient>, cached: BlobMap): Promise<boolean> {
    try {
        const entries = Object.values(cached);
        for (const blobs of [entries[0], entries[Math.floor(entries.length / 2)], entries[entries.length - 1]]) {
            for (const b of Object.values(blobs)) {
                const props = await service.getContainerClient(b.container).getPageBlobClient(b.blob).getProperties();
                if (props.contentLength !== b.size) return false;
            }
        }
        return entries.length > 0;
    } catch {
        return false;
    }
}

/**
 * The disk service's own rules for a blob request, before the SAS is looked at:
 * networkAccessPolicy DenyAll/AllowPrivate refuses requests from a public network (this machine
 * is one) with 403 AuthorizationFailure; dataAccessAuthMode AzureActiveDirectory needs a bearer
 * token for https://disk.azure.com/ (401 with WWW-Authenticate naming it) and the "Data Operator
 * for Managed Disks" role (403).
 */
function admitDiskRequest(owner: BlobOwner, authorization: string | undefined, tokens: TokenIssuer, lacksRole: Set<string>): StorageRefusal | undefined {
    if (owner.networkAccessPolicy === 'DenyAll' || owner.networkAccessPolicy === 'AllowPrivate') {
        return { status: 403, code: 'AuthorizationFailure', message: 'This request is not authorized to perform this operation.' };
    }
    if (owner.dataAccessAuthMode !== 'AzureActiveDirectory') return undefined;
    const challenge = { 'WWW-Authenticate': `Bearer authorization_uri=${tokens.authority}/${owner.tenantId}/oauth2/authorize resource_id=${DISK_AUDIENCE}` };
    if (!authorization) {
        return { status: 401, code: 'NoAuthenticationInformation', message: 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.', headers: challenge };
    }
    const check = tokens.verify(authorization, DISK_AUDIENCE);
    if (!check.ok) {
        const message = check.code === 'ExpiredAuthenticationToken' ? 'Server failed to authenticate the request. Lifetime validation failed. The token is expired.'
            : check.code === 'InvalidAuthenticationTokenAudience' ? 'Server failed to authenticate the request. Audience validation failed. Audience did not match.'
                : 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.';
        return { status: 401, code: 'InvalidAuthenticationInfo', message, headers: challenge };
    }
    if (check.claims.tid !== owner.tenantId) {
        return { status: 401, code: 'InvalidAuthenticationInfo', message: 'Server failed to authenticate the request. Issuer validation failed. Issuer did not match.', headers: challenge };
    }
    if (lacksRole.has(check.claims.oid)) {
        return { status: 403, code: 'AuthorizationPermissionMismatch', message: 'This request is not authorized to perform this operation using this permission.' };
    }
    return undefined;
}

/**
 * Which snapshots the service diffs (Get Page Ranges with prevsnapshoturl): managed disk storage
 * only, two incremental snapshots of one family, the previous one not the newer of the two.
 * Codes from the Blob service's list; which one answers which case is our reading.
 */
function diffRefusal(world: World | undefined, newerBlob: string, olderBlob: string): StorageRefusal | undefined {
    const newer = world?.ownerOfBlob(newerBlob);
    const older = world?.ownerOfBlob(olderBlob);
    if (!newer) return { status: 400, code: 'InvalidQueryParameterValue', message: 'Value for one of the query parameters specified in the request URI is invalid. prevsnapshoturl is supported on managed disk snapshots only.' };
    if (!older) return { status: 409, code: 'PreviousSnapshotNotFound', message: 'The previous snapshot is not found.' };
    const a = familyIdOf(newer), b = familyIdOf(older);
    if (!a || !b) return { status: 409, code: 'PreviousSnapshotOperationNotSupported', message: 'Differential Get Page Ranges is not supported on the previous snapshot.' };
    if (a !== b) return { status: 409, code: 'PreviousSnapshotNotFound', message: 'The previous snapshot is not found.' };
    if (Date.parse(older.timeCreated) > Date.parse(newer.timeCreated)) return { status: 400, code: 'PreviousSnapshotCannotBeNewer', message: 'The prevsnapshot query parameter value cannot be newer than snapshot query parameter value.' };
    return undefined;
}

export interface Sandbox {
    info: SandboxInfo;
    manifest: SeedDisk[];
    /** Disk restore points (grant/revoke like disks), with their blobs. */
    restorePoints: SeedDiskRestorePoint[];
    control: SandboxControl;
    stop(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
    const ownRunDir = !opts.runDir;
    const runDir = opts.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'disks-sandbox-'));
    fs.mkdirSync(runDir, { recursive: true });
    const stops: (() => Promise<void>)[] = [];
    const tempDirs = ownRunDir ? [runDir] : [];
    // A process that exits without stop() (a failed test run) still leaves no folders behind.
    const removeTemp = () => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    process.once('exit', removeTemp);
    const stop = async () => {
        for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
        removeTemp();
        process.removeListener('exit', removeTemp);
    };
    try {
        const faults = new Faults();
        const revoked = new Set<string>();
        let azurite: AzuriteHandle | undefined;
        stops.push(() => azurite?.stop() ?? Promise.resolve());
        let world: World | undefined;
        // Principals marked as lacking "Data Operator for Managed Disks" (control: diskDataRole).
        const lacksDataRole = new Set<string>();
        const lifetime = opts.tokenLifetimeSeconds ?? (Number(process.env[TOKEN_LIFETIME_ENV]) || 3600);
        const tokens = new TokenIssuer(MANAGEMENT_RESOURCE, '', lifetime);
        let copyRefusal: { status: number; code: string; message: string } | undefined;
        const proxy = await startStorageProxy(() => azurite!.port, faults.storage, (sig) => revoked.has(sig), {
            ownerOf: (subject) => {
                const r = world?.ownerOfBlob(subject);
                return r ? { kind: r.kind, name: r.name, tenantId: r.tenantId, dataAccessAuthMode: r.spec.dataAccessAuthMode, networkAccessPolicy: r.spec.networkAccessPolicy } : undefined;
            },
            admit: (owner, authorization) => admitDiskRequest(owner, authorization, tokens, lacksDataRole),
            copyFromUrlRefusal: () => copyRefusal,
            diffRefusal: (newer, older) => diffRefusal(world, newer, older),
        });
        stops.push(() => proxy.stop());
        const storageEndpoint = `http://127.0.0.1:${proxy.port}/${DEV_ACCOUNT_NAME}`;
        const accounts = seed.storageAccounts.map((a) => ({ name: a.name, key: accountKey(a.name) }));
        const seedOptions = { scale: !!opts.scale, skipLargeDisk: !!opts.skipLargeDisk, ...(opts.demoDisks ? { demoDisks: true } : {}) };
        const seedInto = async (az: AzuriteHandle) => buildWorld(serviceClient(az.endpoint, az.accountName, az.accountKey), storageEndpoint, seedOptions);

        if (opts.cache ?? !process.env[NO_CACHE_ENV]) {
            // Azurite on disk in a folder of its own; seeded from the cache, or seeded and then cached.
            const location = fs.mkdtempSync(path.join(os.tmpdir(), 'disks-sandbox-azurite-'));
            tempDirs.push(location);
            const key = cacheKey(seedOptions);
            const cached = restoreCache(key, location);
            azurite = await startAzurite({ location, accounts });
            const service = serviceClient(azurite.endpoint, azurite.accountName, azurite.accountKey);
            if (cached && (await cacheLooksWhole(service, cached))) {
                world = await buildWorld(service, storageEndpoint, seedOptions, rebase(cached, storageEndpoint));
            } else {
                if (cached) discard(key);
                world = await seedInto(azurite);
                // Azurite writes its metadata out when it stops: only a clean stop leaves a folder worth keeping.
                await azurite.stop();
                // A seed whose disk images could not be built is not kept: a later start tries them again.
                if (azurite.stoppedCleanly && world.imageProblems.length === 0) saveCache(key, location, world.blobMap());
                azurite = await startAzurite({ location, accounts });
                world.rebind(serviceClient(azurite.endpoint, azurite.accountName, azurite.accountKey));
            }
        } else {
            azurite = await startAzurite({ inMemory: true, accounts });
            world = await seedInto(azurite);
        }

        const signer = sasSigner(azurite.accountName, azurite.accountKey);
        let armEndpoint = '';
        const accessOptions = {
            lroPolls: opts.lroPolls ?? 2,
            retryAfterSeconds: opts.retryAfterSeconds ?? 1,
            armEndpoint: () => armEndpoint,
            signer,
            lroFaults: faults.lro,
            onRevoked: (sigs: string[]) => sigs.forEach((s) => revoked.add(s)),
            familyPeers: (r: Resource) => {
                const family = familyIdOf(r);
                return family ? world!.resources.filter((x) => x !== r && familyIdOf(x) === family) : [];
            },
        };
        const access = new AccessService(accessOptions);

        const armLog = new RequestLog();
        const identityHeader = crypto.randomBytes(16).toString('hex');
        const backend: ControlBackend = {
            managedIdentityToken: ({ resource, apiVersion, header }) => {
                // What App Service answers: 400 for a bad request, 401 without the header's secret.
                if (apiVersion !== '2019-08-01') return { status: 400, body: { statusCode: 400, message: `The api-version '${apiVersion}' is not supported; use 2019-08-01.` } };
                if (header !== identityHeader) return { status: 401, body: { statusCode: 401, message: 'The X-IDENTITY-HEADER is missing or wrong.' } };
                if (!resource) return { status: 400, body: { statusCode: 400, message: 'The resource parameter is required.' } };
                const t = tokens.issue(seed.MAIN_TENANT, tokens.lifetimeSeconds, resource, 'managedIdentity');
                return { status: 200, body: { access_token: t.token, expires_on: String(t.expiresOn), resource, token_type: 'Bearer', client_id: SANDBOX_MANAGED_IDENTITY.appid } };
            },
            token: (req) => {
                const tenantId = req.tenantId ?? seed.MAIN_TENANT;
                if (!world.tenants.some((t) => t.tenantId === tenantId)) throw new Error(`unknown tenant ${tenantId}`);
                const resource = req.resource ?? MANAGEMENT_RESOURCE;
                const t = tokens.issue(tenantId, req.lifetimeSeconds ?? tokens.lifetimeSeconds, resource);
                return { accessToken: t.token, expiresOn: t.expiresOn, tenantId };
            },
            armFault: (rule) => faults.arm.add(rule),
            lroFault: (rule) => faults.lro.add(rule),
            storageFault: (rule) => faults.storage.add(rule),
            setTokenLifetime: (seconds) => {
                if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('seconds must be a positive number');
                tokens.lifetimeSeconds = seconds;
            },
            setLro: ({ polls, retryAfterSeconds }) => {
                const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
                if (polls !== undefined && !ok(polls)) throw new Error('polls must be a whole number ≥ 0');
                if (retryAfterSeconds !== undefined && !ok(retryAfterSeconds)) throw new Error('retryAfterSeconds must be a whole number ≥ 0');
                if (polls !== undefined) accessOptions.lroPolls = polls;
                if (retryAfterSeconds !== undefined) accessOptions.retryAfterSeconds = retryAfterSeconds;
            },
            reset: ({ state }) => {
                faults.clear();
                copyRefusal = undefined;
                lacksDataRole.clear();
                armLog.clear();
                proxy.log.clear();
                if (state) {
                    world.resetState();
                    access.clear();
                }
            },
            logs: () => ({ arm: armLog.snapshot(), storage: proxy.log.snapshot() }),
            clearLogs: () => {
                armLog.clear();
                proxy.log.clear();
            },
            tokenUses: () => tokens.tokenUses(),
            secrets: () => {
                const sigs = signer.issued();
                return { sasSignatures: sigs, sasSignaturesEncoded: sigs.map((s) => encodeURIComponent(s)), bearerTokens: tokens.issuedTokens(), storageAccountKeys: accounts.map((a) => a.key) };
            },
            diskState: (id) => world!.byId.get(id.toLowerCase())?.state,
            expireSas: (id) => access.expire(id),
            snapshotAccess: ({ id, state, seconds }) => {
                const r = world!.byId.get(id.toLowerCase());
                if (!r) throw new Error(`no resource ${id}`);
                setSnapshotAccess(r, state, seconds);
            },
            diskDataRole: ({ oid, granted }) => {
                const who = oid ?? SANDBOX_USER_OID;
                if (granted) lacksDataRole.delete(who);
                else lacksDataRole.add(who);
            },
            copyFromUrl: ({ refuse, status, code, message }) => {
                copyRefusal = refuse
                    ? { status: status ?? 403, code: code ?? 'CannotVerifyCopySource', message: message ?? 'This request is not authorized to perform this operation.' }
                    : undefined;
            },
        };
        const provision = new ProvisionService({ world, access });
        const arm = await startArmServer({ world, tokens, access, provision, faults: faults.arm, log: armLog, pageSize: opts.pageSize ?? (opts.scale ? 100 : 3), control: controlHandler(backend) });
        stops.push(() => arm.stop());
        armEndpoint = arm.endpoint;
        tokens.authority = `${arm.endpoint}/sandbox-login`;

        if (opts.log) {
            const log = opts.log;
            armLog.onFinish((r) => log(`arm ${r.method} ${r.path} ${r.status}${r.fault ? ` (fault: ${r.fault})` : ''}`));
            proxy.log.onFinish((r) => log(`storage ${r.method} ${r.path} ${r.status} ${r.bytes} B${r.fault ? ` (fault: ${r.fault})` : ''}`));
        }

        const controlEndpoint = `${arm.endpoint}/sandbox`;
        const azCliDir = path.join(runDir, 'bin');
        const dev = seed.subscriptions[0];
        writeAzCli(azCliDir, controlEndpoint, { id: dev.subscriptionId, name: dev.displayName, tenantId: dev.tenantId });

        const info: SandboxInfo = {
            armEndpoint: arm.endpoint,
            storageEndpoint,
            tenantId: seed.MAIN_TENANT,
            tenants: world.tenants.map((t) => ({ tenantId: t.tenantId, displayName: t.displayName, subscriptionIds: world.subscriptions.filter((s) => s.tenantId === t.tenantId).map((s) => s.subscriptionId) })),
            subscriptionIds: world.subscriptions.filter((s) => s.tenantId === seed.MAIN_TENANT).map((s) => s.subscriptionId),
            bearerToken: tokens.issue(seed.MAIN_TENANT, Math.max(lifetime, 3600)).token,
            authority: tokens.authority,
            managementScope: MANAGEMENT_SCOPE,
            storageEndpointSuffix: '127.0.0.1',
            azCliDir,
            managedIdentity: { endpoint: `${controlEndpoint}/msi/token`, header: identityHeader },
            controlEndpoint,
            portalEndpoint: `${arm.endpoint}${PORTAL_PATH}`,
            manifestPath: path.join(runDir, 'manifest.json'),
        };
        const manifest = world.manifest();
        const { bearerToken: _omitted, managedIdentity: _secret, ...publicInfo } = info;
        const restorePoints = world.restorePointManifest();
        fs.writeFileSync(info.manifestPath, JSON.stringify({ info: publicInfo, disks: manifest, diskRestorePoints: restorePoints }, null, 2));
        return { info, manifest, restorePoints, control: new SandboxControl(controlEndpoint), stop };
    } catch (e) {
        await stop();
        throw e;
    }
}
