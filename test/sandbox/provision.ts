/**
 * Creating and deleting disks and snapshots (PUT / DELETE on Microsoft.Compute/disks|snapshots),
 * as long-running operations in the shape of the service's REST examples: 202 with the resource
 * in provisioningState Updating and the polling headers, then 200 Succeeded. The blobs a new disk
 * gets are real page blobs in Azurite, named as the seed names them.
 * Rules marked "our reading" are not confirmed by the service's documentation.
 */
import { armError, runJob, type AccessService, type ArmReply } from './access';
import type { PageBlobClient } from '@azure/storage-blob';
import { checkVhdFooter } from '../../src/formats/footer';
import { copyPageBlob, createEmptyBlob, deleteBlob } from './blobs';
import type * as seed from './seed';
import type { SeedDisk } from './types';
import { blobSpecs, resourceId, resourceJson, uuidFrom, type Resource, type World } from './world';
import { exportRefused, snapshotAccessOf } from './snapshotAccess';

const DISK_SKUS = ['Standard_LRS', 'Premium_LRS', 'StandardSSD_LRS', 'UltraSSD_LRS', 'Premium_ZRS', 'StandardSSD_ZRS', 'PremiumV2_LRS'];

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;
export const MIN_UPLOAD_BYTES = 20 * MiB + 512;
export const MAX_UPLOAD_BYTES = 32 * TiB + 512;

export const SECURITY_TYPES = [
    'TrustedLaunch',
    'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey',
    'ConfidentialVM_DiskEncryptedWithPlatformKey',
    'ConfidentialVM_DiskEncryptedWithCustomerKey',
    'ConfidentialVM_NonPersistedTPM',
];

/** As the seed decides it (world.ts blobSpecs): confidential types carry a VMMD blob, Trusted Launch does not. */
export function takesMetadataBlob(securityType: string | undefined): boolean {
    return !!securityType?.startsWith('ConfidentialVM');
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

/** "West Europe" → "westeurope", as ARM normalises locations. */
export function normaliseLocation(loc: string): string {
    return loc.replace(/\s+/g, '').toLowerCase();
}

export interface ProvisionOptions {
    world: World;
    access: AccessService;
}

export class ProvisionService {
    constructor(private readonly o: ProvisionOptions) {}

    private get storage() {
        return this.o.world.storage;
    }

    /** Common checks of a PUT body; returns the normalised location or an error reply. */
    private location(body: Json): string | ArmReply {
        const loc = body.location;
        if (typeof loc !== 'string' || !loc.trim()) return armError(400, 'LocationRequired', 'The location property is required for this definition.');
        const n = normaliseLocation(loc);
        if (!/^[a-z0-9]+$/.test(n)) return armError(400, 'LocationNotAvailableForResourceType', `The provided location '${loc}' is not available for resource type 'Microsoft.Compute/disks'.`);
        return n;
    }

    /** A new Resource (not yet in the world) from a spec and the request. */
    private newResource(spec: seed.SeedResource, location: string, creationData: Json, state: string): Resource {
        const id = resourceId(spec.subscriptionId, spec.resourceGroup, spec.kind, spec.name);
        const sub = this.o.world.subscriptions.find((s) => s.subscriptionId === spec.subscriptionId)!;
        return {
            kind: spec.kind, id, tenantId: sub.tenantId, subscriptionId: spec.subscriptionId, resourceGroup: spec.resourceGroup, name: spec.name,
            location, spec, state, stateAfterRevoke: state === 'ReadyToUpload' ? 'Unattached' : state,
            timeCreated: new Date().toISOString(), uniqueId: uuidFrom(`${id}#${Date.now()}#${Math.random()}`),
            blobs: { disk: { url: '', container: '', blob: '', size: 0, writtenBytes: 0, sha256: '', format: 'vhd' } },
            provisioningState: 'Updating', runtime: true, creationData,
        };
    }

    /** Adds `r` in provisioningState Updating, makes its blobs with `work`, answers 202 as the service does. */
    private create(r: Resource, path: string, work: () => Promise<SeedDisk['blobs']>): ArmReply {
        this.o.world.add(r);
        const job = runJob(async () => { r.blobs = await work(); this.o.world.changed(); }, () => { r.provisioningState = 'Succeeded'; });
        return this.o.access.startJob(r, 'create', path, job, resourceJson(r));
    }

    /** The answer to a PUT on a name that exists: the service treats it as an update of that resource. */
    private existing(r: Resource, body: Json): ArmReply {
        const cd = obj(obj(body.properties).creationData);
        const have = obj(resourceJson(r).properties).creationData as Json;
        for (const key of ['createOption', 'uploadSizeBytes', 'sourceResourceId', 'sourceUri', 'securityDataUri', 'securityMetadataUri', 'storageAccountId']) {
            if (cd[key] === undefined) continue;
            const same = typeof cd[key] === 'string' && typeof have[key] === 'string'
                ? String(cd[key]).replace(/^\/+/, '').toLowerCase() === String(have[key]).replace(/^\/+/, '').toLowerCase()
                : cd[key] === have[key];
            if (!same) {
                return armError(409, 'PropertyChangeNotAllowed', `Changing property 'creationData.${key}' is not allowed.`, `creationData.${key}`);
            }
        }
        // Our reading: an update that changes nothing answers 200 with the resource as it is.
        return { status: 200, body: resourceJson(r) };
    }

    putDisk(subscriptionId: string, resourceGroup: string, name: string, raw: unknown, path: string, tenantId: string): ArmReply {
        const body = obj(raw);
        const props = obj(body.properties);
        const cd = obj(props.creationData);
        const taken = this.o.world.byId.get(resourceId(subscriptionId, resourceGroup, 'disk', name).toLowerCase());
        if (taken) return this.existing(taken, body);
        if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$|^[A-Za-z0-9_]$/.test(name)) {
            return armError(400, 'InvalidResourceName', `The resource name '${name}' is invalid. It must be 1-80 characters of letters, digits, '_', '.' and '-', start with a letter, digit or '_' and end with a letter, digit or '_'.`);
        }
        const location = this.location(body);
        if (typeof location !== 'string') return location;
        const createOption = cd.createOption;
        if (typeof createOption !== 'string') {
            return armError(400, 'InvalidParameter', "Required parameter 'creationData.createOption' is missing (null).", 'disk.creationData.createOption');
        }
        const securityType = obj(props.securityProfile).securityType;
        if (securityType !== undefined && (typeof securityType !== 'string' || !SECURITY_TYPES.includes(securityType))) {
            return armError(400, 'InvalidParameter', `The value '${String(securityType)}' of parameter 'securityProfile.securityType' is invalid. Allowed values: ${SECURITY_TYPES.join(', ')}.`, 'disk.securityProfile.securityType');
        }
        const sku = typeof obj(body.sku).name === 'string' ? String(obj(body.sku).name) : 'Standard_LRS';
        // Azure's DiskStorageAccountTypes, all of them: the sandbox takes what Azure takes.
        if (!DISK_SKUS.includes(sku)) {
            return armError(400, 'InvalidParameter', `The value '${sku}' of parameter 'sku.name' is invalid. Allowed values: ${DISK_SKUS.join(', ')}.`, 'disk.sku.name');
        }
        const osType = props.osType === 'Windows' || props.osType === 'Linux' ? props.osType : undefined;
        const hyperVGeneration = props.hyperVGeneration === 'V1' || props.hyperVGeneration === 'V2' ? props.hyperVGeneration : undefined;
        const extra: DiskTarget['extra'] = {
            ...(props.dataAccessAuthMode === 'AzureActiveDirectory' ? { dataAccessAuthMode: 'AzureActiveDirectory' as const } : {}),
            ...(props.networkAccessPolicy === 'DenyAll' || props.networkAccessPolicy === 'AllowPrivate' ? { networkAccessPolicy: props.networkAccessPolicy as 'DenyAll' | 'AllowPrivate' } : {}),
        };

        switch (createOption) {
            case 'Upload':
            case 'UploadPreparedSecure': {
                const size = cd.uploadSizeBytes;
                if (typeof size !== 'number' || !Number.isInteger(size)) {
                    return armError(400, 'InvalidParameter', "Required parameter 'uploadSizeBytes' is missing (null).", 'disk.creationData.uploadSizeBytes');
                }
                if (size < MIN_UPLOAD_BYTES || size > MAX_UPLOAD_BYTES || (size - 512) % MiB !== 0) {
                    return armError(400, 'InvalidParameter', `The value ${size} of parameter 'uploadSizeBytes' is invalid: it must be the size of a fixed VHD (a whole number of MiB plus the 512-byte footer) between ${MIN_UPLOAD_BYTES} (20 MiB + 512) and ${MAX_UPLOAD_BYTES} (32 TiB + 512) bytes.`, 'disk.creationData.uploadSizeBytes');
                }
                if (createOption === 'UploadPreparedSecure' && securityType === undefined) {
                    return armError(400, 'InvalidParameter', "Parameter 'securityProfile.securityType' is required when 'creationData.createOption' is UploadPreparedSecure.", 'disk.securityProfile.securityType');
                }
                if (createOption === 'Upload' && typeof securityType === 'string' && securityType.startsWith('ConfidentialVM')) {
                    // Our reading: a confidential disk needs its guest state, which plain Upload has no place for.
                    return armError(400, 'InvalidParameter', `Security type '${securityType}' requires 'creationData.createOption' UploadPreparedSecure or ImportSecure.`, 'disk.securityProfile.securityType');
                }
                const spec: seed.SeedResource = {
                    kind: 'disk', subscriptionId, resourceGroup, name, sizeMiB: (size - 512) / MiB, writtenMiB: 0, diskState: 'ReadyToUpload', sku, createOption,
                    ...(osType ? { osType } : {}), ...(hyperVGeneration ? { hyperVGeneration } : {}),
                    ...(createOption === 'UploadPreparedSecure' ? { securityType: securityType as string } : {}), ...extra,
                };
                const r = this.newResource(spec, location, { createOption, uploadSizeBytes: size }, 'ReadyToUpload');
                return this.create(r, path, async () => {
                    const specs = blobSpecs(spec, r.id);
                    const { service, publicEndpoint } = this.storage;
                    const blobs: SeedDisk['blobs'] = { disk: await createEmptyBlob(service, specs.disk, size, publicEndpoint) };
                    if (specs.vmgs) blobs.vmgs = await createEmptyBlob(service, specs.vmgs, specs.vmgs.dataSize + 512, publicEndpoint);
                    if (specs.vmmd) blobs.vmmd = await createEmptyBlob(service, specs.vmmd, specs.vmmd.dataSize + 512, publicEndpoint);
                    return blobs;
                });
            }
            default:
                return this.putDiskFrom(createOption, { subscriptionId, resourceGroup, name, location, sku, osType, hyperVGeneration, securityType: securityType as string | undefined, extra }, cd, path, tenantId);
        }
    }

    /** The resource `sourceResourceId` names, or the error the service gives. */
    private source(cd: Json, tenantId: string, what: string): Resource | ArmReply {
        const sid = cd.sourceResourceId;
        if (typeof sid !== 'string' || !sid) {
            return armError(400, 'InvalidParameter', "Required parameter 'sourceResourceId' is missing (null).", `${what}.creationData.sourceResourceId`);
        }
        const src = this.o.world.byId.get(`/${sid.replace(/^\/+/, '')}`.toLowerCase());
        if (!src || src.provisioningState === 'Deleting') {
            return armError(404, 'NotFound', `Source resource '${sid}' was not found.`, `${what}.creationData.sourceResourceId`);
        }
        if (src.tenantId !== tenantId) {
            // Our reading: a source in another tenant needs a token for that tenant (x-ms-authorization-auxiliary), which the sandbox does not model.
            return armError(403, 'LinkedAuthorizationFailed', `The client has no authorization over the linked resource '${sid}' in tenant '${src.tenantId}'.`);
        }
        if (src.provisioningState !== 'Succeeded' || (src.completionPercent !== undefined && src.completionPercent < 100)) {
            return armError(409, 'OperationNotAllowed', `Source resource '${src.name}' is not ready (provisioningState ${src.provisioningState}${src.completionPercent !== undefined ? `, ${src.completionPercent}% copied` : ''}).`);
        }
        return src;
    }

    /** The blobs of a new resource copied from `src` (VMGS/VMMD where it has them; a VHDX image for snapshots). */
    private async copyBlobs(src: Resource, spec: seed.SeedResource, id: string): Promise<SeedDisk['blobs']> {
        const { service, publicEndpoint } = this.storage;
        const specs = blobSpecs(spec, id);
        const client = (b: { container: string; blob: string }) => service.getContainerClient(b.container).getPageBlobClient(b.blob);
        const blobs: SeedDisk['blobs'] = { disk: await copyPageBlob(client(src.blobs.disk), service, specs.disk, publicEndpoint) };
        if (specs.vhdx) blobs.vhdx = await copyPageBlob(client(src.blobs.disk), service, specs.vhdx, publicEndpoint, true);
        if (specs.vmgs && src.blobs.vmgs) blobs.vmgs = await copyPageBlob(client(src.blobs.vmgs), service, specs.vmgs, publicEndpoint);
        if (specs.vmmd && src.blobs.vmmd) blobs.vmmd = await copyPageBlob(client(src.blobs.vmmd), service, specs.vmmd, publicEndpoint);
        return blobs;
    }

    /** Copy (from a disk or snapshot, same region) and ImportSecure (from blobs of a storage account). */
    private putDiskFrom(createOption: string, t: DiskTarget, cd: Json, path: string, tenantId: string): ArmReply {
        if (createOption === 'Copy') {
            const src = this.source(cd, tenantId, 'disk');
            if (!('kind' in src)) return src;
            if (src.location !== t.location) {
                return armError(400, 'InvalidParameter', `The source '${src.name}' is in region '${src.location}' and the disk in '${t.location}': a copy must be in the source's region. Copy an incremental snapshot to the other region first (createOption CopyStart).`, 'disk.creationData.sourceResourceId');
            }
            const spec: seed.SeedResource = {
                kind: 'disk', subscriptionId: t.subscriptionId, resourceGroup: t.resourceGroup, name: t.name, sizeMiB: src.spec.sizeMiB, writtenMiB: 0, diskState: 'Unattached', sku: t.sku,
                ...(t.osType ?? src.spec.osType ? { osType: t.osType ?? src.spec.osType } : {}),
                ...(src.spec.securityType ? { securityType: src.spec.securityType } : {}),
                ...(src.spec.hyperVGeneration ? { hyperVGeneration: src.spec.hyperVGeneration } : {}), ...t.extra,
            };
            const r = this.newResource(spec, t.location, { createOption, sourceResourceId: src.id, sourceUniqueId: src.uniqueId }, 'Unattached');
            return this.create(r, path, () => this.copyBlobs(src, spec, r.id));
        }
        if (createOption === 'ImportSecure') return this.importSecure(t, cd, path, tenantId);
        return armError(400, 'InvalidParameter', `The value '${createOption}' of parameter 'creationData.createOption' is invalid or not supported by the sandbox. Supported: Upload, UploadPreparedSecure, Copy, ImportSecure.`, 'disk.creationData.createOption');
    }

    private importSecure(t: DiskTarget, cd: Json, path: string, tenantId: string): ArmReply {
        if (!t.securityType) {
            return armError(400, 'InvalidParameter', "Parameter 'securityProfile.securityType' is required when 'creationData.createOption' is ImportSecure.", 'disk.securityProfile.securityType');
        }
        const said = cd.storageAccountId;
        if (typeof said !== 'string' || !said) {
            return armError(400, 'InvalidParameter', "Required parameter 'storageAccountId' is missing (null).", 'disk.creationData.storageAccountId');
        }
        const account = this.o.world.storageAccounts.find((a) => a.id.toLowerCase() === `/${said.replace(/^\/+/, '')}`.toLowerCase());
        if (!account || account.tenantId !== tenantId) {
            return armError(400, 'InvalidParameter', `The storage account '${said}' was not found.`, 'disk.creationData.storageAccountId');
        }
        if (account.spec.location !== t.location) {
            return armError(400, 'InvalidParameter', `The storage account '${account.spec.name}' is in region '${account.spec.location}' and the disk in '${t.location}': they must be in the same region.`, 'disk.creationData.storageAccountId');
        }
        const uris: { key: 'sourceUri' | 'securityDataUri' | 'securityMetadataUri'; required: boolean }[] = [
            { key: 'sourceUri', required: true },
            { key: 'securityDataUri', required: true },
            { key: 'securityMetadataUri', required: false },
        ];
        const located: Partial<Record<'sourceUri' | 'securityDataUri' | 'securityMetadataUri', { container: string; blob: string }>> = {};
        for (const u of uris) {
            const v = cd[u.key];
            if (v === undefined || v === null || v === '') {
                if (u.required) return armError(400, 'InvalidParameter', `Required parameter '${u.key}' is missing (null).`, `disk.creationData.${u.key}`);
                continue;
            }
            if (u.key === 'securityMetadataUri' && !takesMetadataBlob(t.securityType)) {
                return armError(400, 'InvalidParameter', `'securityMetadataUri' can be set only for a disk whose security type takes a VM metadata blob (ConfidentialVM_*); it is '${t.securityType}'.`, 'disk.creationData.securityMetadataUri');
            }
            const place = typeof v === 'string' ? this.inAccount(account, v) : undefined;
            if (!place) {
                return armError(400, 'InvalidParameter', `The value of '${u.key}' must be a blob URL of storage account '${account.spec.name}' (${account.blobEndpoint}<container>/<blob>).`, `disk.creationData.${u.key}`);
            }
            located[u.key] = place;
        }
        // The disk's size follows the OS blob: known once the blob is read, in the operation.
        const spec: seed.SeedResource = {
            kind: 'disk', subscriptionId: t.subscriptionId, resourceGroup: t.resourceGroup, name: t.name, sizeMiB: 0, writtenMiB: 0, diskState: 'Unattached', sku: t.sku,
            securityType: t.securityType, ...(t.osType ? { osType: t.osType } : {}), hyperVGeneration: t.hyperVGeneration ?? 'V2', ...t.extra,
        };
        const creationData: Json = { createOption: 'ImportSecure', storageAccountId: said };
        for (const u of uris) if (cd[u.key] !== undefined) creationData[u.key] = cd[u.key];
        const r = this.newResource(spec, t.location, creationData, 'Unattached');
        return this.create(r, path, async () => {
            const sources: Partial<Record<keyof typeof located, PageBlobClient>> = {};
            for (const [key, place] of Object.entries(located) as [keyof typeof located, { container: string; blob: string }][]) {
                sources[key] = await this.checkVhd(account.service.getContainerClient(place.container).getPageBlobClient(place.blob), String(cd[key]), t.name);
            }
            const size = (await sources.sourceUri!.getProperties()).contentLength ?? 0;
            spec.sizeMiB = (size - 512) / MiB;
            const { service, publicEndpoint } = this.storage;
            const specs = blobSpecs(spec, r.id);
            const blobs: SeedDisk['blobs'] = { disk: await copyPageBlob(sources.sourceUri!, service, specs.disk, publicEndpoint) };
            if (specs.vmgs && sources.securityDataUri) blobs.vmgs = await copyPageBlob(sources.securityDataUri, service, specs.vmgs, publicEndpoint);
            if (specs.vmmd && sources.securityMetadataUri) blobs.vmmd = await copyPageBlob(sources.securityMetadataUri, service, specs.vmmd, publicEndpoint);
            return blobs;
        });
    }

    /** container/blob of a URL under the account's blob endpoint (any host spelling of the proxy), or undefined. */
    private inAccount(account: World['storageAccounts'][number], value: string): { container: string; blob: string } | undefined {
        let u: URL;
        try {
            u = new URL(value);
        } catch {
            return undefined;
        }
        const base = new URL(account.blobEndpoint);
        if (u.port !== base.port || !/^(127\.0\.0\.1|localhost)$/.test(u.hostname)) return undefined;
        const parts = u.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
        if (parts.length < 3 || parts[0] !== account.spec.name) return undefined;
        return { container: parts[1], blob: parts.slice(2).join('/') };
    }

    /** The checks the service makes of an import source: it exists, is a page blob, is a fixed VHD. Throws the service's error. */
    private async checkVhd(blob: PageBlobClient, uri: string, diskName: string): Promise<PageBlobClient> {
        let props;
        try {
            props = await blob.getProperties();
        } catch {
            throw { code: 'InvalidParameter', message: `The blob '${uri}' does not exist.` };
        }
        if (props.blobType !== 'PageBlob') throw { code: 'InvalidParameter', message: `The blob '${uri}' is a ${props.blobType ?? 'non-page'} blob; only page blobs can be imported.` };
        const size = props.contentLength ?? 0;
        const footer = size >= 512 ? await blob.downloadToBuffer(size - 512, 512) : Buffer.alloc(0);
        const check = checkVhdFooter(footer, size);
        if (!check.passed) {
            throw { code: 'InvalidVhd', message: `The specified cookie value in VHD footer indicates that disk '${diskName}' with blob ${uri} is not a supported VHD. Disk is expected to have cookie value 'conectix'. (${check.detail})` };
        }
        return blob;
    }

    putSnapshot(subscriptionId: string, resourceGroup: string, name: string, raw: unknown, path: string, tenantId: string): ArmReply {
        const body = obj(raw);
        const props = obj(body.properties);
        const cd = obj(props.creationData);
        const taken = this.o.world.byId.get(resourceId(subscriptionId, resourceGroup, 'snapshot', name).toLowerCase());
        if (taken) return this.existing(taken, body);
        const location = this.location(body);
        if (typeof location !== 'string') return location;
        const createOption = cd.createOption;
        if (createOption !== 'Copy' && createOption !== 'CopyStart') {
            return armError(400, 'InvalidParameter', `The value '${String(createOption)}' of parameter 'creationData.createOption' is invalid or not supported by the sandbox for snapshots. Supported: Copy, CopyStart.`, 'snapshot.creationData.createOption');
        }
        const src = this.source(cd, tenantId, 'snapshot');
        if (!('kind' in src)) return src;
        const incremental = props.incremental === true;
        if (createOption === 'Copy' && src.location !== location) {
            return armError(400, 'InvalidParameter', `The source '${src.name}' is in region '${src.location}' and the snapshot in '${location}': use createOption CopyStart with an incremental snapshot to copy across regions.`, 'snapshot.creationData.sourceResourceId');
        }
        if (createOption === 'CopyStart') {
            if (src.kind !== 'snapshot' || !src.spec.incremental || !incremental) {
                return armError(400, 'InvalidParameter', 'CopyStart copies an incremental snapshot into an incremental snapshot: the source must be an incremental snapshot and incremental must be true.', 'snapshot.creationData.sourceResourceId');
            }
            if (src.location === location) {
                return armError(400, 'InvalidParameter', `CopyStart copies to another region; the source '${src.name}' is already in '${location}'. Use createOption Copy.`, 'snapshot.location');
            }
            // Our reading: a snapshot in InstantAccess is not copied to another region.
            if (exportRefused(src)) {
                return armError(409, 'OperationNotAllowed', `Snapshot '${src.name}' cannot be copied to another region while its snapshotAccessState is ${snapshotAccessOf(src)}.`, 'snapshot.creationData.sourceResourceId');
            }
        }
        const spec: seed.SeedResource = {
            kind: 'snapshot', subscriptionId, resourceGroup, name, sizeMiB: src.spec.sizeMiB, writtenMiB: 0, diskState: 'Unattached', incremental,
            sku: typeof obj(body.sku).name === 'string' ? String(obj(body.sku).name) : 'Standard_LRS',
            ...(src.spec.osType ? { osType: src.spec.osType } : {}),
            ...(src.spec.securityType ? { securityType: src.spec.securityType } : {}),
            ...(src.spec.hyperVGeneration ? { hyperVGeneration: src.spec.hyperVGeneration } : {}),
            source: src.kind === 'disk' ? src.id : src.spec.source,
        };
        // The family of an incremental snapshot is its disk's.
        const familyOf = src.kind === 'disk' ? src.id : String(src.creationData?.sourceResourceId ?? (src.spec.source?.startsWith('/') ? src.spec.source : resourceId(src.subscriptionId, (src.spec.source ?? '').split('/')[0], 'disk', (src.spec.source ?? '').split('/')[1] ?? '')));
        const r = this.newResource(spec, location, { createOption, sourceResourceId: createOption === 'CopyStart' ? src.id : src.id, sourceUniqueId: src.uniqueId }, 'Unattached');
        r.familyOf = familyOf;
        if (createOption === 'CopyStart') r.completionPercent = 0;
        return this.create(r, path, () => this.copyBlobs(src, spec, r.id));
    }

    /** A GET of a CopyStart snapshot: its background copy moves on by a quarter. */
    progress(r: Resource): void {
        if (r.completionPercent !== undefined && r.completionPercent < 100 && r.provisioningState === 'Succeeded') r.completionPercent = Math.min(100, r.completionPercent + 25);
    }

    /** DELETE of a disk or snapshot: 202 + Location, then 200; the blobs go with it. */
    delete(r: Resource | undefined, path: string): ArmReply {
        // ARM answers a DELETE of something that is not there with 204.
        if (!r) return { status: 204 };
        const kindWord = r.kind === 'disk' ? 'Disk' : 'Snapshot';
        if (r.vmId) {
            return armError(409, 'OperationNotAllowed', `${kindWord} ${r.name} is attached to VM ${r.vmId}.`);
        }
        if (r.state === 'ActiveSAS' || r.state === 'ActiveSASFrozen' || r.state === 'ActiveUpload' || this.o.access.hasLiveSas(r)) {
            return armError(409, 'OperationNotAllowed', `${kindWord} ${r.name} cannot be deleted since it has an active SAS (state ${r.state}). Revoke access first.`);
        }
        if (this.o.access.busy(r) || r.provisioningState === 'Updating') {
            return armError(409, 'OperationNotAllowed', `Another operation is in progress on ${r.kind} '${r.name}'. Retry after it completes.`);
        }
        const job = runJob(async () => {
            for (const b of Object.values(r.blobs)) if (b?.container) await deleteBlob(this.storage.service, b);
        }, () => this.o.world.remove(r));
        r.provisioningState = 'Deleting';
        return this.o.access.startJob(r, 'delete', path, job);
    }
}

export interface DiskTarget {
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    location: string;
    sku: string;
    osType?: 'Windows' | 'Linux';
    hyperVGeneration?: 'V1' | 'V2';
    securityType?: string;
    extra: Pick<seed.SeedResource, 'dataAccessAuthMode' | 'networkAccessPolicy'>;
}

