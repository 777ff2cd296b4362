/**
 * An emulator of the Azure Resource Manager calls the extension makes, on plain node:http at
 * 127.0.0.1: tenants, subscriptions, resource groups, disks and snapshots (with nextLink paging),
 * grant/revoke as long-running operations, bearer-token checks, and injected faults.
 * Paths are matched case-insensitively, as ARM does.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessService, armError, type ArmReply } from './access';
import { armErrorFor, type FaultList, type ArmFault } from './faults';
import type { ProvisionService } from './provision';
import type { RequestLog } from './requestLog';
import type { TokenClaims, TokenIssuer } from './tokens';
import type { SeedRestorePoint, SeedRestorePointCollection } from './seed';
import { resourceJson, sourceIdOf, uuidFrom, type StorageAccount, type World } from './world';
import { servePortal } from './portal';

/** api-versions the emulator accepts per area (what the SDKs in node_modules send, plus neighbours). */
const API_VERSIONS: Record<string, string[]> = {
    // DiskRP: disks, snapshots, disk restore points.
    compute: ['2023-04-02', '2023-10-02', '2024-03-02', '2025-01-02', '2026-03-02'],
    // ComputeRP: restore point collections and VM restore points.
    computeRp: ['2024-07-01', '2024-11-01', '2025-04-01', '2026-03-01'],
    resources: ['2021-04-01', '2022-09-01', '2024-03-01', '2024-11-01', '2025-04-01'],
    subscriptions: ['2020-01-01', '2021-01-01', '2022-12-01'],
    storage: ['2021-09-01', '2022-09-01', '2023-01-01', '2023-05-01', '2024-01-01', '2025-01-01', '2025-06-01'],
};

/** The ARM JSON of a storage account; its blob endpoint is the sandbox's storage proxy. */
function storageAccountJson(a: StorageAccount): Record<string, unknown> {
    return {
        id: a.id,
        name: a.spec.name,
        type: 'Microsoft.Storage/storageAccounts',
        location: a.spec.location,
        kind: 'StorageV2',
        sku: { name: 'Standard_LRS', tier: 'Standard' },
        tags: {},
        properties: {
            provisioningState: 'Succeeded',
            primaryEndpoints: { blob: a.blobEndpoint },
            primaryLocation: a.spec.location,
            statusOfPrimary: 'available',
            accessTier: 'Hot',
            allowBlobPublicAccess: false,
            supportsHttpsTrafficOnly: false,
            minimumTlsVersion: 'TLS1_2',
        },
    };
}

export interface ArmServerOptions {
    world: World;
    tokens: TokenIssuer;
    access: AccessService;
    provision: ProvisionService;
    faults: FaultList<ArmFault>;
    pageSize: number;
    log: RequestLog;
    /** Handles /sandbox/… requests (control endpoint); no bearer token needed there. */
    control: (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;
}

export interface ArmServer {
    port: number;
    endpoint: string;
    stop(): Promise<void>;
}

function send(res: http.ServerResponse, reply: ArmReply): number {
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
    const headers: Record<string, string | number> = {
        'x-ms-request-id': crypto.randomUUID(),
        'x-ms-correlation-request-id': crypto.randomUUID(),
        ...reply.headers,
    };
    if (body) headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(body);
    res.writeHead(reply.status, headers);
    res.end(body);
    return Buffer.byteLength(body);
}

export async function startArmServer(o: ArmServerOptions): Promise<ArmServer> {
    const { log } = o;
    let endpoint = '';
    const { world, tokens, access } = o;

    const unauthorized = (tenantId: string, code: string, message: string): ArmReply => ({
        ...armError(401, code, message),
        headers: { 'WWW-Authenticate': `Bearer authorization_uri="${tokens.authority}/${tenantId}", error="invalid_token", error_description="${message.replace(/"/g, "'")}"` },
    });

    /** A page of `items` and a nextLink carrying the offset, as ARM's $skiptoken does. */
    const page = (url: URL, items: unknown[], apiVersion: string): ArmReply => {
        const skip = Math.max(0, Number.parseInt(Buffer.from(url.searchParams.get('$skiptoken') ?? '', 'base64url').toString() || '0', 10) || 0);
        const value = items.slice(skip, skip + o.pageSize);
        const body: Record<string, unknown> = { value };
        if (skip + o.pageSize < items.length) {
            const token = Buffer.from(String(skip + o.pageSize)).toString('base64url');
            body.nextLink = `${endpoint}${url.pathname}?api-version=${apiVersion}&%24skiptoken=${token}`;
        }
        return { status: 200, body };
    };

    const diskRestorePointsOf = (c: SeedRestorePointCollection, point: string) => world.resources.filter((r) => r.kind === 'diskRestorePoint'
        && r.subscriptionId === c.subscriptionId && r.resourceGroup.toLowerCase() === c.resourceGroup.toLowerCase()
        && r.spec.restorePoint?.collection === c.name && r.spec.restorePoint.point === point);
    const collectionBase = (c: SeedRestorePointCollection) => `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.Compute/restorePointCollections/${c.name}`;
    const vmIdOf = (c: SeedRestorePointCollection) => `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${c.vm}`;
    const locationOf = (c: SeedRestorePointCollection) => world.groups.find((g) => g.subscriptionId === c.subscriptionId && g.name === c.resourceGroup)?.location ?? 'westeurope';

    /** A VM restore point (RestorePoints_Get): its source VM's disks and their disk restore points. */
    const restorePointJson = (c: SeedRestorePointCollection, p: SeedRestorePoint): Record<string, unknown> => {
        const drps = diskRestorePointsOf(c, p.name);
        const diskOf = (r: (typeof drps)[number]) => ({
            name: (r.spec.source ?? '').split('/').pop(),
            managedDisk: { id: sourceIdOf(r), storageAccountType: 'Premium_LRS' },
            diskRestorePoint: { id: r.id },
            ...(r.spec.osType ? { osType: r.spec.osType } : {}),
        });
        const [os, ...data] = drps;
        const secure = drps.find((r) => r.spec.securityType);
        return {
            id: `${collectionBase(c)}/restorePoints/${p.name}`,
            name: p.name,
            type: 'Microsoft.Compute/restorePointCollections/restorePoints',
            properties: {
                provisioningState: p.provisioningState ?? 'Succeeded',
                consistencyMode: 'CrashConsistent',
                timeCreated: p.timeCreated,
                sourceMetadata: {
                    vmId: uuidFrom(vmIdOf(c)),
                    location: locationOf(c),
                    storageProfile: { ...(os ? { osDisk: diskOf(os) } : {}), dataDisks: data.map((d, lun) => ({ lun, ...diskOf(d) })) },
                    ...(secure ? { securityProfile: { securityType: secure.spec.securityType!.startsWith('Confidential') ? 'ConfidentialVM' : 'TrustedLaunch' } } : {}),
                },
            },
        };
    };

    /** A restore point collection (RestorePointCollections_Get), with its restore points when expanded. */
    const collectionJson = (c: SeedRestorePointCollection, expand: boolean): Record<string, unknown> => ({
        id: collectionBase(c),
        name: c.name,
        type: 'Microsoft.Compute/restorePointCollections',
        location: locationOf(c),
        tags: {},
        properties: {
            source: { id: vmIdOf(c), location: locationOf(c) },
            provisioningState: 'Succeeded',
            restorePointCollectionId: uuidFrom(collectionBase(c)),
            ...(expand ? { restorePoints: c.restorePoints.map((p) => restorePointJson(c, p)) } : {}),
        },
    });

    const route = (method: string, url: URL, claims: TokenClaims, body: unknown, apiVersion: string): ArmReply => {
        const seg = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
        const low = seg.map((s) => s.toLowerCase());
        const n = seg.length;
        const notFound = armError(404, 'NotFound', `The requested resource '${url.pathname}' was not found.`);

        if (low[0] === 'tenants' && n === 1 && method === 'GET') {
            return page(url, world.tenants.map((t) => ({ id: `/tenants/${t.tenantId}`, tenantId: t.tenantId, tenantCategory: 'Home', displayName: t.displayName, defaultDomain: t.defaultDomain, domains: [t.defaultDomain], tenantType: 'AAD' })), apiVersion);
        }
        if (low[0] !== 'subscriptions') return notFound;
        const subJson = (s: (typeof world.subscriptions)[number]) => ({ id: `/subscriptions/${s.subscriptionId}`, subscriptionId: s.subscriptionId, tenantId: s.tenantId, displayName: s.displayName, state: 'Enabled', subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' }, authorizationSource: 'RoleBased' });
        if (n === 1 && method === 'GET') {
            return page(url, world.subscriptions.filter((s) => s.tenantId === claims.tid).map(subJson), apiVersion);
        }
        const sub = world.subscriptions.find((s) => s.subscriptionId.toLowerCase() === low[1]);
        if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${seg[1]}' could not be found.`);
        if (sub.tenantId !== claims.tid) {
            return unauthorized(sub.tenantId, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer '${claims.iss}'. It must match the tenant '${tokens.authority}/${sub.tenantId}/' associated with this subscription. Please use the authority (URL) '${tokens.authority}/${sub.tenantId}' to get the token.`);
        }
        if (n === 2 && method === 'GET') return { status: 200, body: subJson(sub) };
        const inSub = world.resources.filter((r) => r.subscriptionId === sub.subscriptionId);

        if (low[2] === 'providers' && low[3] === 'microsoft.storage') {
            if (n === 5 && method === 'GET' && low[4] === 'storageaccounts') {
                return page(url, world.storageAccounts.filter((a) => a.spec.subscriptionId === sub.subscriptionId).map(storageAccountJson), apiVersion);
            }
            return notFound;
        }
        // /subscriptions/{s}/providers/Microsoft.Compute/…
        if (low[2] === 'providers' && low[3] === 'microsoft.compute') {
            if (n === 5 && method === 'GET' && low[4] === 'restorepointcollections') {
                return page(url, world.restorePointCollections.filter((c) => c.subscriptionId === sub.subscriptionId).map((c) => collectionJson(c, false)), apiVersion);
            }
            if (n === 5 && method === 'GET' && (low[4] === 'disks' || low[4] === 'snapshots')) {
                const kind = low[4] === 'disks' ? 'disk' : 'snapshot';
                return page(url, inSub.filter((r) => r.kind === kind).map(resourceJson), apiVersion);
            }
            if (n === 8 && method === 'GET' && low[4] === 'locations' && low[6] === 'operations') {
                const op = access.find(sub.subscriptionId, seg[7]);
                if (!op) return armError(404, 'NotFound', `Operation '${seg[7]}' was not found.`);
                return url.searchParams.get('monitor') === 'true' ? access.pollLocation(op) : access.pollStatus(op);
            }
            return notFound;
        }
        if (low[2] !== 'resourcegroups') return notFound;
        const groups = world.groups.filter((g) => g.subscriptionId === sub.subscriptionId);
        const rgJson = (g: (typeof groups)[number]) => ({ id: `/subscriptions/${sub.subscriptionId}/resourceGroups/${g.name}`, name: g.name, type: 'Microsoft.Resources/resourceGroups', location: g.location, properties: { provisioningState: 'Succeeded' } });
        if (n === 3 && method === 'GET') return page(url, groups.map(rgJson), apiVersion);
        const rg = groups.find((g) => g.name.toLowerCase() === low[3]);
        if (!rg) return armError(404, 'ResourceGroupNotFound', `Resource group '${seg[3]}' could not be found.`);
        if (n === 4 && method === 'GET') return { status: 200, body: rgJson(rg) };
        if (low[4] === 'providers' && low[5] === 'microsoft.storage' && low[6] === 'storageaccounts') {
            const inGroup = world.storageAccounts.filter((a) => a.spec.subscriptionId === sub.subscriptionId && a.spec.resourceGroup.toLowerCase() === low[3]);
            if (n === 7 && method === 'GET') return page(url, inGroup.map(storageAccountJson), apiVersion);
            const acct = inGroup.find((a) => a.spec.name.toLowerCase() === low[7]);
            if (!acct) return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Storage/storageAccounts/${seg[7]}' under resource group '${seg[3]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
            if (n === 8 && method === 'GET') return { status: 200, body: storageAccountJson(acct) };
            if (n === 9 && method === 'POST' && low[8] === 'listkeys') return { status: 200, body: { keys: [{ creationTime: '2025-01-01T00:00:00Z', keyName: 'key1', value: acct.key, permissions: 'FULL' }] } };
            return notFound;
        }
        if (low[4] === 'providers' && low[5] === 'microsoft.compute' && low[6] === 'restorepointcollections') {
            const colls = world.restorePointCollections.filter((c) => c.subscriptionId === sub.subscriptionId && c.resourceGroup.toLowerCase() === low[3]);
            if (n === 7 && method === 'GET') return page(url, colls.map((c) => collectionJson(c, false)), apiVersion);
            const coll = colls.find((c) => c.name.toLowerCase() === low[7]);
            if (!coll) return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/restorePointCollections/${seg[7]}' under resource group '${seg[3]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
            if (n === 8 && method === 'GET') return { status: 200, body: collectionJson(coll, /restorePoints/i.test(url.searchParams.get('$expand') ?? '')) };
            if (low[8] !== 'restorepoints' || n < 10) return notFound;
            const point = coll.restorePoints.find((p) => p.name.toLowerCase() === low[9]);
            if (!point) return armError(404, 'NotFound', `The restore point '${seg[9]}' was not found in restore point collection '${coll.name}'.`);
            if (n === 10 && method === 'GET') return { status: 200, body: restorePointJson(coll, point) };
            if (low[10] !== 'diskrestorepoints') return notFound;
            const drps = diskRestorePointsOf(coll, point.name);
            if (n === 11 && method === 'GET') return page(url, drps.map(resourceJson), apiVersion);
            const drp = drps.find((r) => r.name.toLowerCase() === low[11]);
            if (!drp) return armError(404, 'NotFound', `The disk restore point '${seg[11]}' was not found.`);
            if (n === 12 && method === 'GET') return { status: 200, body: resourceJson(drp) };
            if (n === 13 && method === 'POST' && low[12] === 'begingetaccess') return access.grant(drp, body, url.pathname);
            if (n === 13 && method === 'POST' && low[12] === 'endgetaccess') return access.revoke(drp, url.pathname);
            return notFound;
        }
        if (low[4] !== 'providers' || low[5] !== 'microsoft.compute' || (low[6] !== 'disks' && low[6] !== 'snapshots')) return notFound;
        const kind = low[6] === 'disks' ? 'disk' : 'snapshot';
        const inRg = inSub.filter((r) => r.kind === kind && r.resourceGroup.toLowerCase() === low[3]);
        if (n === 7 && method === 'GET') return page(url, inRg.map(resourceJson), apiVersion);
        const res = inRg.find((r) => r.name.toLowerCase() === low[7]);
        if (n === 8 && method === 'PUT' && kind === 'disk') return o.provision.putDisk(sub.subscriptionId, rg.name, seg[7], body, url.pathname, claims.tid);
        if (n === 8 && method === 'PUT') return o.provision.putSnapshot(sub.subscriptionId, rg.name, seg[7], body, url.pathname, claims.tid);
        if (n === 8 && method === 'DELETE') return o.provision.delete(res, url.pathname);
        if (!res) {
            return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/${seg[6]}/${seg[7]}' under resource group '${seg[3]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
        }
        if (n === 8 && method === 'GET') {
            o.provision.progress(res);
            return { status: 200, body: resourceJson(res) };
        }
        if (n === 9 && method === 'POST' && low[8] === 'begingetaccess') return access.grant(res, body, url.pathname);
        if (n === 9 && method === 'POST' && low[8] === 'endgetaccess') return access.revoke(res, url.pathname);
        return notFound;
    };

    const area = (pathname: string): keyof typeof API_VERSIONS => {
        const p = pathname.toLowerCase();
        if (p.includes('/restorepointcollections') && !p.includes('/diskrestorepoints')) return 'computeRp';
        if (p.includes('/providers/microsoft.compute')) return 'compute';
        if (p.includes('/providers/microsoft.storage')) return 'storage';
        if (p.startsWith('/tenants') || /^\/subscriptions\/?[^/]*\/?$/.test(p)) return 'subscriptions';
        return 'resources';
    };

    const handle = (req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const method = (req.method ?? 'GET').toUpperCase();
        if (url.pathname.toLowerCase().startsWith('/sandbox/')) {
            o.control(req, raw, res);
            return;
        }
        if (method === 'GET' && servePortal(req, res)) return;
        const entry = log.start(method, url.pathname);
        const finish = (reply: ArmReply) => log.finish(entry, reply.status, send(res, reply));

        const fault = o.faults.take(url.pathname, (r) => !r.method || r.method.toUpperCase() === method);
        if (fault) {
            entry.fault = `status ${fault.status}`;
            const headers = { ...fault.headers };
            if (fault.status === 401 && !Object.keys(headers).some((h) => h.toLowerCase() === 'www-authenticate')) {
                headers['WWW-Authenticate'] = `Bearer authorization_uri="${tokens.authority}/${world.tenants[0].tenantId}", error="invalid_token", error_description="The access token is invalid."`;
            }
            const std = armErrorFor(fault.status);
            finish({ status: fault.status, headers, body: fault.body ?? { error: { code: std.code, message: std.message, details: [] } } });
            return;
        }
        const apiVersion = url.searchParams.get('api-version');
        if (!apiVersion) {
            finish(armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."));
            return;
        }
        const supported = API_VERSIONS[area(url.pathname)];
        if (!supported.includes(apiVersion)) {
            finish(armError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`));
            return;
        }
        const check = tokens.verify(req.headers.authorization);
        if (!check.ok) {
            finish(unauthorized(world.tenants[0].tenantId, check.code, check.message));
            return;
        }
        let body: unknown;
        if (raw.length) {
            try {
                body = JSON.parse(raw.toString('utf8'));
            } catch {
                finish(armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.'));
                return;
            }
        }
        finish(route(method, url, check.claims, body, apiVersion));
    };

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            try {
                handle(req, Buffer.concat(chunks), res);
            } catch (e) {
                if (!res.headersSent) send(res, armError(500, 'InternalServerError', `Sandbox error: ${(e as Error).message}`));
            }
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    endpoint = `http://127.0.0.1:${port}`;
    return {
        port,
        endpoint,
        stop: () => new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        }),
    };
}
