/** After the upload: the blob's page ranges and its footer, compared with what was sent. */
import type { BlobEndpoint } from '../../blob/http';
import { httpPageListSource, listWrittenRanges } from '../../blob/listing';
import { mergeRanges, type ByteRange } from '../../blob/ranges';
import { checkVhdFooter } from '../../formats/footer';
import type { UploadCheck } from './types';

/**
 * All written ranges of the blob (half-open), merged, following NextMarker. Over the engine's own
 * connections, so an Entra-protected disk's listing carries its bearer token like every other request.
 */
export async function listBlobPageRanges(http: BlobEndpoint, url: string, size: number, signal?: AbortSignal): Promise<ByteRange[]> {
    return mergeRanges(await listWrittenRanges(httpPageListSource(http, () => url), { size, signal }), 0);
}

function firstDifference(a: ByteRange[], b: ByteRange[]): string {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const x = a[i], y = b[i];
        if (!x || !y || x.start !== y.start || x.end !== y.end) {
            const f = (r?: ByteRange) => (r ? `${r.start}-${r.end - 1}` : 'none');
            return `range ${i}: sent ${f(x)}, blob has ${f(y)}`;
        }
    }
    return '';
}

export function verifyUpload(expected: ByteRange[], listed: ByteRange[], footer: Buffer, footerBack: Buffer, blobSize: number): UploadCheck[] {
    const e = mergeRanges(expected, 0), l = mergeRanges(listed, 0);
    const diff = firstDifference(e, l);
    const checks: UploadCheck[] = [
        diff
            ? { name: 'page-ranges', passed: false, detail: `the blob's page ranges differ from the pages sent (${diff})` }
            : { name: 'page-ranges', passed: true, detail: `${l.length} ranges, exactly the pages sent` },
    ];
    const f = checkVhdFooter(footerBack, blobSize);
    if (!f.passed) checks.push({ name: 'vhd-footer', passed: false, detail: f.detail });
    else if (!footerBack.equals(footer)) checks.push({ name: 'vhd-footer', passed: false, detail: 'the footer read back differs from the one written' });
    else checks.push({ name: 'vhd-footer', passed: true, detail: `read back byte-equal; ${f.detail}` });
    return checks;
}
