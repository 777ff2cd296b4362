/**
 * Creating and deleting disks and snapshots (PUT / DELETE on Microsoft.Compute/disks|snapshots),
 * as long-running operations in the shape of the service's REST examples: 202 with the resource
 * in provisioningState Updating and the polling headers, then 200 Succeeded. The blobs a new disk
 * gets are real page blobs in Azurite, named as the seed names them.
 * Rules marked "our reading" are not confirmed by the service's documentation.
 */
import { armError, runJob, type AccessService, type ArmReply } from './access';
import { createEmptyBlob, deleteBlob } from './blobs';
import type * as seed from './seed';
import type { SeedDisk } from './types';
import { blobSpecs, resourceId, resourceJson, uuidFrom, type Resource, type World } from './world';

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

    putDisk(subscriptionId: string, resourceGroup: string, name: string, raw: unknown, path: string): ArmReply {
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
                return this.putDiskFrom(createOption, { subscriptionId, resourceGroup, name, location, sku, osType, hyperVGeneration, securityType: securityType as string | undefined, extra }, cd, path);
        }
    }

    /** Copy / ImportSecure: filled in by the parts that model them. */
    protected putDiskFrom(createOption: string, _t: DiskTarget, _cd: Json, _path: string): ArmReply {
        return armError(400, 'InvalidParameter', `The value '${createOption}' of parameter 'creationData.createOption' is not supported by the sandbox.`, 'disk.creationData.createOption');
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

