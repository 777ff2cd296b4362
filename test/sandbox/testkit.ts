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
