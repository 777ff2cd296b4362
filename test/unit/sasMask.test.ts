import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { maskSasUrl, sasExpiry, MASK } from '../../src/shared/secrets';

const SIG = 'Zm9vYmFyU2VjcmV0U2lnbmF0dXJlMTIzNDU2Nzg5MA%3D%3D';
const SAMPLE = `https://md-abc123.z1.blob.storage.azure.net/cxyz/abcd?sv=2018-03-28&sr=b&sk=system-1&sig=${SIG}&st=2026-11-21T10%3A00%3A00Z&se=2026-11-21T11%3A00%3A00Z&sp=r`;

test('keeps scheme, host, path and parameter names, masks the signature', () => {
    const m = maskSasUrl(SAMPLE);
    assert.ok(m.startsWith('https://md-abc123.z1.blob.storage.azure.net/cxyz/abcd?'));
    assert.ok(m.includes(`sig=${MASK}`));
    assert.ok(!m.includes(SIG) && !m.includes('Zm9vYmFy'));
    for (const name of ['sv=', 'sr=', 'sk=', 'st=', 'se=', 'sp=']) assert.ok(m.includes(name), name);
});

test('expiry and version stay readable, the signing key is masked', () => {
    const m = maskSasUrl(SAMPLE);
    assert.ok(m.includes('se=2026-11-21T11:00:00Z'));
    assert.ok(m.includes('sv=2018-03-28'));
    assert.ok(m.includes(`sk=${MASK}`));
    assert.ok(maskSasUrl('https://h/c/b?spr=https,http&sig=x').includes('spr=https,http'));
    assert.ok(!m.includes('system-1'));
});

test('signature in odd places and spellings never shows', () => {
    const secret = 'TOPSECRETVALUE';
    const urls = [
        `https://h/c/b?SIG=${secret}`,
        `https://h/c/b?sig=${secret}&sig=${secret}2`,
        `https://h/c/b?a=1&&sig=${secret}#frag`,
        `https://user:${secret}@h/c/b?sv=1`,
        `https://h/c/b?sv=${secret}%26sig%3D${secret}`,
        `https://h/c/b?${encodeURIComponent('<script>')}=${secret}`,
        `https://h/c/b?sig`,
    ];
    for (const u of urls) {
        const m = maskSasUrl(u);
        assert.ok(!m.includes(secret), `${m} leaks`);
    }
});

test('input that is not a URL is masked whole', () => {
    assert.equal(maskSasUrl('sig=abc'), MASK);
    assert.equal(maskSasUrl(''), MASK);
});

test('URL without a query keeps its path', () => {
    assert.equal(maskSasUrl('https://h.example/c/b'), 'https://h.example/c/b');
});

test('sasExpiry reads se=', () => {
    assert.equal(sasExpiry(SAMPLE)?.toISOString(), '2026-11-21T11:00:00.000Z');
    assert.equal(sasExpiry('https://h/c/b?sig=x'), undefined);
    assert.equal(sasExpiry('nonsense'), undefined);
});
