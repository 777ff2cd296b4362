/**
 * The blobs of a storage account, read through its blob endpoint for the Create Disk from Blobs
 * pickers: with the account's key (from ARM listKeys) or a SAS the user pastes. The URLs handed
 * back never carry the SAS: ImportSecure takes plain blob URLs and reads them itself.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { assertSecureOrLoopback } from './armClients';
import { checkVhdFooter } from '../formats/footer';

export type BlobAccess =
    | { kind: 'key'; accountName: string; key: string }
    /** An account SAS (`?sv=…` or the account URL with it) or a container SAS URL. */
    | { kind: 'sas'; sas: string };

export interface AccountBlob {
    container: string;
    name: string;
    /** BlockBlob, PageBlob or AppendBlob. */
    blobType: string;
    size: number;
    /** `<endpoint><container>/<blob>`, no query. */
    url: string;
}

/** Most blobs listed for one picker: an account with more is better searched by pasting a URL. */
export const MAX_LISTED_BLOBS = 5000;

function joinUrl(endpoint: string, container: string, blob: string): string {
    const base = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
    return `${base}${encodeURIComponent(container)}/${blob.split('/').map(encodeURIComponent).join('/')}`;
}

/** The query of a pasted SAS ("?sv=…", "sv=…" or a URL with it), and the container it is limited to, if any. */
export function parseSas(sas: string, endpoint: string): { query: string; container?: string } {
    const text = sas.trim();
    if (/^https?:/i.test(text)) {
        const u = new URL(text);
        const base = new URL(endpoint);
        const rest = u.pathname.slice(base.pathname.replace(/\/?$/, '/').length).split('/').filter(Boolean);
        return { query: u.search.replace(/^\?/, ''), container: rest[0] ? decodeURIComponent(rest[0]) : undefined };
    }
    return { query: text.replace(/^\?/, '') };
}

async function clientsFor(endpoint: string, access: BlobAccess): Promise<{ service?: BlobServiceClient; container?: ContainerClient }> {
    assertSecureOrLoopback(endpoint, 'storage account\'s blob endpoint');
    const sdk = await import('@azure/storage-blob');
    if (access.kind === 'key') {
        return { service: new sdk.BlobServiceClient(endpoint, new sdk.StorageSharedKeyCredential(access.accountName, access.key)) };
    }
    const { query, container } = parseSas(access.sas, endpoint);
    const base = endpoint.replace(/\/?$/, '/');
    if (container) return { container: new sdk.ContainerClient(`${base}${encodeURIComponent(container)}?${query}`) };
    return { service: new sdk.BlobServiceClient(`${base}?${query}`) };
}

/** Every blob of the account (or of the SAS's container), up to MAX_LISTED_BLOBS, sorted by container and name. */
export async function listAccountBlobs(endpoint: string, access: BlobAccess, signal?: AbortSignal): Promise<{ blobs: AccountBlob[]; truncated: boolean }> {
    const { service, container } = await clientsFor(endpoint, access);
    const containers: ContainerClient[] = [];
    if (container) containers.push(container);
    else for await (const c of service!.listContainers({ abortSignal: signal })) containers.push(service!.getContainerClient(c.name));
    const blobs: AccountBlob[] = [];
    for (const c of containers) {
        for await (const b of c.listBlobsFlat({ abortSignal: signal })) {
            if (blobs.length >= MAX_LISTED_BLOBS) return { blobs, truncated: true };
            blobs.push({ container: c.containerName, name: b.name, blobType: b.properties.blobType ?? 'BlockBlob', size: b.properties.contentLength ?? 0, url: joinUrl(endpoint, c.containerName, b.name) });
        }
    }
    return { blobs, truncated: false };
}

/** Whether a page blob ends in a fixed-VHD footer: its last 512 bytes, read with the same access. */
export async function readVhdFooter(endpoint: string, access: BlobAccess, blob: AccountBlob, signal?: AbortSignal): Promise<{ passed: boolean; detail?: string }> {
    if (blob.size < 512) return { passed: false, detail: `the blob has ${blob.size} bytes, less than a footer` };
    const { service, container } = await clientsFor(endpoint, access);
    const c = container ?? service!.getContainerClient(blob.container);
    const footer = await c.getPageBlobClient(blob.name).downloadToBuffer(blob.size - 512, 512, { abortSignal: signal });
    return checkVhdFooter(footer, blob.size);
}
