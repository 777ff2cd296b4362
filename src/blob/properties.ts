/** One HEAD through the blob layer's rules (retry, re-grant, token): a blob's size and type before a plan is made. */
import { BlobEndpoint, type Authorization, type BlobProps } from './http';
import { BlobSession } from './session';

export interface PropertiesOptions {
    authorization?: Authorization;
    refreshUrl?: () => Promise<string>;
    signal?: AbortSignal;
    log?: (message: string) => void;
}

export async function blobProperties(url: string, o: PropertiesOptions = {}): Promise<BlobProps> {
    const endpoint = new BlobEndpoint(1, 60_000, o.authorization);
    const session = new BlobSession({ url, refreshUrl: o.refreshUrl, signal: o.signal, log: o.log });
    try {
        return await session.withRetry('reading blob properties', (u) => endpoint.head(u, session.signal));
    } finally {
        session.close();
        endpoint.destroy();
    }
}
