/** The SDK's own page listing, as a PageListSource: the tests' second opinion on the range server and the engine's parser. */
import type { PageListSource } from '../../src/blob/listing';

/** A PageListSource over the SDK's PageBlobClient.listPageRanges(...).byPage(). */
export async function sdkPageListSource(url: string): Promise<PageListSource> {
    const { PageBlobClient, AnonymousCredential } = await import('@azure/storage-blob');
    const client = new PageBlobClient(url, new AnonymousCredential(), {
        // Our own loop retries with SAS re-grant; keep the SDK's retries short.
        retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
        userAgentOptions: { userAgentPrefix: 'azure-managed-disks' },
    });
    return {
        async page(offset, count, token, maxPageSize, signal) {
            const it = client.listPageRanges(offset, count, { abortSignal: signal }).byPage({ continuationToken: token, maxPageSize });
            const r = await it.next();
            if (r.done || !r.value) return { ranges: [] };
            const page = r.value;
            return {
                ranges: (page.pageRange ?? []).map((x) => ({ start: x.start, end: x.end })),
                continuationToken: page.continuationToken || undefined,
            };
        },
    };
}
