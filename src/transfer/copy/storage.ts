/** The few Blob service calls the copy makes, over fetch: properties, page list, ranged read, Put Page (from a URL or with a body). */
import { HttpStatusError, parseRetryAfter } from '../../blob/http';
import type { PageListSource } from '../../blob/listing';
import { parsePageList } from '../../blob/listing';

export const COPY_STORAGE_VERSION = '2021-08-06';

async function check(res: Response): Promise<Response> {
    if (res.ok) return res;
    await res.arrayBuffer().catch(() => undefined);
    throw new HttpStatusError(res.status, res.headers.get('x-ms-error-code') ?? undefined, parseRetryAfter(res.headers.get('retry-after') ?? undefined));
}

function withQuery(url: string, params: Record<string, string>): string {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
}

const range = (start: number, end: number) => `bytes=${start}-${end - 1}`;

export async function blobSize(url: string, signal?: AbortSignal): Promise<number> {
    const res = await check(await fetch(url, { method: 'HEAD', headers: { 'x-ms-version': COPY_STORAGE_VERSION }, signal }));
    return Number(res.headers.get('content-length'));
}

export function fetchPageListSource(url: string): PageListSource {
    return {
        async page(offset, count, token, maxPageSize, signal) {
            const params: Record<string, string> = { comp: 'pagelist' };
            if (token) params.marker = token;
            if (maxPageSize) params.maxresults = String(maxPageSize);
            const res = await check(await fetch(withQuery(url, params), { headers: { 'x-ms-version': COPY_STORAGE_VERSION, 'x-ms-range': range(offset, offset + count) }, signal }));
            return parsePageList(await res.text());
        },
    };
}

export async function readRange(url: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
    const res = await check(await fetch(url, { headers: { 'x-ms-version': COPY_STORAGE_VERSION, 'x-ms-range': range(start, end) }, signal }));
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length !== end - start) throw new HttpStatusError(500, 'ShortRead', undefined);
    return body;
}

/** Put Page From URL: the service reads the source range itself; no data passes the client. */
export async function putPageFromUrl(target: string, source: string, start: number, end: number, signal?: AbortSignal): Promise<void> {
    await check(
        await fetch(withQuery(target, { comp: 'page' }), {
            method: 'PUT',
            headers: { 'x-ms-version': COPY_STORAGE_VERSION, 'x-ms-page-write': 'update', 'x-ms-range': range(start, end), 'x-ms-source-range': range(start, end), 'x-ms-copy-source': source, 'Content-Length': '0' },
            signal,
        }),
    );
}

export async function putPage(target: string, start: number, data: Buffer, md5: string, signal?: AbortSignal): Promise<void> {
    await check(
        await fetch(withQuery(target, { comp: 'page' }), {
            method: 'PUT',
            headers: { 'x-ms-version': COPY_STORAGE_VERSION, 'x-ms-page-write': 'update', 'x-ms-range': range(start, start + data.length), 'Content-MD5': md5, 'Content-Length': String(data.length) },
            body: data,
            signal,
        }),
    );
}
