/** Helpers for tests that drive the sandbox through the extension's own ARM client code. */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { AzureCliCredential } from '@azure/identity';
import { createArmClients, type ArmClients } from '../../src/azure/armClients';
import type { CloudConfig } from '../../src/azure/clouds';
import type { SandboxInfo } from './types';

export function sandboxCloud(info: SandboxInfo): CloudConfig {
    return {
        name: 'Custom',
        resourceManagerEndpoint: info.armEndpoint,
        activeDirectoryEndpoint: info.authority,
        managementScope: info.managementScope,
        storageEndpointSuffix: info.storageEndpointSuffix,
    };
}

/** Puts the `az` stand-in first on this process's PATH (AzureCliCredential runs `az` through a shell). */
export function useAzStandIn(info: SandboxInfo): void {
    const parts = (process.env.PATH ?? '').split(path.delimiter).filter((p) => p !== info.azCliDir);
    process.env.PATH = [info.azCliDir, ...parts].join(path.delimiter);
}

/** ARM clients as the extension builds them, signed in through the Azure CLI route. */
export async function armClientsFor(info: SandboxInfo, tenantId?: string): Promise<ArmClients> {
    useAzStandIn(info);
    return createArmClients(sandboxCloud(info), new AzureCliCredential(tenantId ? { tenantId } : {}));
}

/** A shared-key client of a seeded storage account (e.g. 'stcontosoeastus'), through the storage proxy. */
export async function storageAccountService(info: SandboxInfo, account: string) {
    const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
    const { accountKey } = await import('./blobs');
    const endpoint = info.storageEndpoint.replace(/\/[^/]+\/?$/, `/${account}`);
    return new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, accountKey(account)));
}

export async function download(url: string): Promise<Buffer> {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${new URL(url).pathname} answered ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
}

export function sha256(buf: Buffer): string {
    return crypto.createHash('sha256').update(buf).digest('hex');
}

/** The blob part of a SAS URL ("container/blob") and its query parameters. */
export function parseSas(url: string): { container: string; blob: string; params: URLSearchParams; withoutQuery: string } {
    const u = new URL(url);
    const [, , container, ...rest] = u.pathname.split('/');
    return { container, blob: decodeURIComponent(rest.join('/')), params: u.searchParams, withoutQuery: `${u.origin}${u.pathname}` };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
}

/**
 * sha256 of a page blob read the sparse way: Get Page Ranges, then only the written ranges; holes
 * hash as zeros. Same result as a full download, without moving the empty gigabytes.
 */
export async function sparseSha256(sasUrl: string): Promise<{ sha256: string; size: number; fetched: number }> {
    const { AnonymousCredential, PageBlobClient } = await import('@azure/storage-blob');
    const blob = new PageBlobClient(sasUrl, new AnonymousCredential());
    const size = (await blob.getProperties()).contentLength ?? 0;
    const ranges: { start: number; end: number }[] = [];
    for await (const r of blob.listPageRanges()) ranges.push({ start: r.start, end: r.end });
    ranges.sort((a, b) => a.start - b.start);
    const hash = crypto.createHash('sha256');
    const zeros = Buffer.alloc(1024 * 1024);
    const hashZeros = (n: number) => {
        for (; n > 0; n -= zeros.length) hash.update(n >= zeros.length ? zeros : zeros.subarray(0, n));
    };
    let pos = 0;
    let fetched = 0;
    for (const r of ranges) {
        hashZeros(r.start - pos);
        const res = await fetch(sasUrl, { headers: { Range: `bytes=${r.start}-${r.end}` } });
        if (res.status !== 206) throw new Error(`range read answered ${res.status}`);
        const data = Buffer.from(await res.arrayBuffer());
        hash.update(data);
        fetched += data.length;
        pos = r.end + 1;
    }
    hashZeros(size - pos);
    return { sha256: hash.digest('hex'), size, fetched };
}
