/** What a running sandbox tells its users (tests, the benchmark, `npm run demo`, `npm run sandbox`). */

export interface SeedBlob {
    /** Blob URL without any query (container/blob under the dev account). */
    url: string;
    container: string;
    blob: string;
    /** Size of the blob in bytes (for VHD: virtual size + 512). */
    size: number;
    /** Bytes inside written page ranges. */
    writtenBytes: number;
    sha256: string;
    format: 'vhd' | 'vhdx';
}

export interface SeedDisk {
    kind: 'disk' | 'snapshot';
    id: string;
    tenantId: string;
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    diskState: string;
    securityType?: string;
    attachedVm?: string;
    vmPowerState?: 'running' | 'deallocated';
    /** The blobs a Read grant of this disk points at. */
    blobs: { disk: SeedBlob; vmgs?: SeedBlob; vmmd?: SeedBlob; vhdx?: SeedBlob };
}

/** A disk restore point (kept out of the disk/snapshot manifest: it is not a disk of the tree). */
export interface SeedDiskRestorePoint extends Omit<SeedDisk, 'kind' | 'attachedVm' | 'vmPowerState'> {
    kind: 'diskRestorePoint';
    restorePointCollection: string;
    restorePoint: string;
    /** ARM id of the disk it was taken from. */
    sourceResourceId: string;
}

export interface SandboxInfo {
    armEndpoint: string; // http://127.0.0.1:PORT
    storageEndpoint: string; // http://127.0.0.1:PORT/devstoreaccount1 (through the fault proxy)
    tenantId: string; // the main tenant
    tenants: { tenantId: string; displayName: string; subscriptionIds: string[] }[];
    subscriptionIds: string[];
    /** A valid bearer token for the main tenant, for scripts (≥ 1 h). */
    bearerToken: string;
    /** Custom-cloud settings for the extension. */
    authority: string;
    managementScope: string;
    storageEndpointSuffix: string;
    /** A folder with an `az` stand-in to put first on PATH; the extension's AzureCliCredential finds it. */
    azCliDir: string;
    /** The App Service style managed identity: what IDENTITY_ENDPOINT and IDENTITY_HEADER must say for the environment route. */
    managedIdentity: { endpoint: string; header: string };
    /** A page standing in for the portal (customCloud.portalEndpoint): shows the resource Open in Portal names. */
    portalEndpoint: string;
    /** Control endpoint for fault injection (POST JSON). */
    controlEndpoint: string;
    manifestPath: string;
}
