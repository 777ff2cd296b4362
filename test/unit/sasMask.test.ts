import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { maskSasUrl, redactUrl, sasExpiry, scrubSecrets, MASK } from '../../src/shared/secrets';

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
    assert.ok(m.includes('se=2026-11-21T11%3A00%3A00Z'), 'the expiry reads as the copied URL has it');
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
        `https://h/c/b?skoid=${secret}&sig`,
        `https://h/c/b?sv=2020-01-01&Sig=${secret}`,
        `https://h/c/b?se=${secret}%20or%20more`,
    ];
    for (const u of urls) {
        const m = maskSasUrl(u);
        assert.ok(u.includes(secret) && !m.includes(secret), `${m} leaks`);
    }
    // A parameter name alone carries no value to hide, and stays as it is.
    assert.equal(maskSasUrl('https://h/c/b?sig'), 'https://h/c/b?sig');
});

// The shape of a SAS Azure hands out for a managed disk export (Grant Access).
const REAL = 'https://md-hdd-x1y2z3.z33.blob.storage.azure.net/abcd1234/abcd?sv=2018-03-28&sr=b&si=0a1b2c3d-acc&sig=q%2BeN3Tz7Lk0xJ9vYw%2F5hR2mQp8sUa1bCdEfGhIjKlMn%3D&st=2026-11-21T10%3A00%3A00Z&se=2026-11-21T11%3A00%3A00Z&sp=r';

test('a real-looking disk SAS: exactly what stays visible and what is masked', () => {
    assert.equal(maskSasUrl(REAL), `https://md-hdd-x1y2z3.z33.blob.storage.azure.net/abcd1234/abcd?sv=2018-03-28&sr=b&si=${MASK}&sig=${MASK}&st=2026-11-21T10%3A00%3A00Z&se=2026-11-21T11%3A00%3A00Z&sp=r`);
    assert.equal(maskSasUrl('https://h/c/b?sp=r&oid=6a1f3c2e&se=not%20a%20%3Cdate%3E'), `https://h/c/b?sp=r&oid=${MASK}&se=${MASK}`, 'unknown names and odd values are masked');
    assert.equal(maskSasUrl(`https://h/c/b?sv=${'1'.repeat(64)}`), `https://h/c/b?sv=${'1'.repeat(64)}`);
    assert.equal(maskSasUrl(`https://h/c/b?sv=${'1'.repeat(65)}`), `https://h/c/b?sv=${MASK}`, 'a long value could hide anything');
    assert.equal(maskSasUrl(`https://h/c/b?${'n'.repeat(41)}=1`), `https://h/c/b?${MASK}`);
    assert.equal(maskSasUrl('https://u:p@h:8443/c/b?sp=r'), 'https://h:8443/c/b?sp=r', 'credentials in the URL are dropped');
});

test('logs and error messages: redactUrl and scrubSecrets on real-looking text', () => {
    const base = 'https://md-hdd-x1y2z3.z33.blob.storage.azure.net/abcd1234/abcd';
    assert.equal(redactUrl(REAL), base);
    assert.equal(redactUrl(REAL, { keepParams: true }), `${base}?sv=***&sr=***&si=***&sig=***&st=***&se=***&sp=***`);
    assert.equal(redactUrl(`${base}`), base);
    assert.equal(redactUrl('not a url sig=abc&x=1'), 'not a url sig=***&x=1');
    assert.equal(
        scrubSecrets(`GET ${REAL} failed: 403; retry with sig=abc123&sv=2020 and Authorization: Bearer eyJ0eXAi.eyJhdWQi.sIgNaTuRe`),
        `GET ${base} failed: 403; retry with sig=***&sv=*** and Authorization: Bearer ***`,
    );
    assert.equal(scrubSecrets('token skoid=abc sktid=def ske=2026 spr=https sip=1.2.3.4 SIG=x plain=ok'), 'token skoid=*** sktid=*** ske=*** spr=*** sip=*** SIG=*** plain=ok');
    assert.equal(scrubSecrets('http://127.0.0.1:10000/devstoreaccount1/c/b?sv=1&sig=s3cret was refused'), 'http://127.0.0.1:10000/devstoreaccount1/c/b was refused');
    assert.equal(scrubSecrets('nothing secret here'), 'nothing secret here');
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
    assert.equal(sasExpiry('https://h/c/b?se=soon&sig=x'), undefined, 'an unreadable se=');
    assert.equal(sasExpiry('nonsense'), undefined);
});

test('mask edge cases: the placeholder, user-delegation times, empty pairs, + in values, any Bearer spacing', () => {
    assert.equal(MASK, '••••', 'the placeholder users see (never empty: an empty value would read as no signature)');
    assert.equal(
        maskSasUrl('https://h/c/b?skoid=o1&sktid=t1&skt=2026-11-21T10:00:00Z&ske=2026-11-21T11:00:00Z&sks=b&skv=2020-02-10&sig=x'),
        `https://h/c/b?skoid=${MASK}&sktid=${MASK}&skt=2026-11-21T10:00:00Z&ske=2026-11-21T11:00:00Z&sks=b&skv=2020-02-10&sig=${MASK}`,
    );
    assert.equal(maskSasUrl('https://h/c/b?sp=r&&sv=1&'), 'https://h/c/b?sp=r&sv=1', 'empty pairs are dropped');
    assert.equal(maskSasUrl('https://h/c/b?sp=r+w'), `https://h/c/b?sp=${MASK}`, "'+' decodes to a space, which no visible value holds");
    assert.equal(scrubSecrets('Authorization: Bearer \t eyJ0.eyJh.c2ln'), 'Authorization: Bearer \t ***');
});

test('user:password in a URL never shows, with or without a query', () => {
    assert.equal(redactUrl('https://alice:pa55@h.example/c/b'), 'https://h.example/c/b');
    assert.equal(redactUrl('https://alice:pa55@h.example/c/b?sig=x'), 'https://h.example/c/b');
    assert.equal(redactUrl('https://alice:pa55@h.example/c/b?sig=x', { keepParams: true }), 'https://h.example/c/b?sig=***');
    assert.equal(maskSasUrl('https://alice:pa55@h.example/c/b'), 'https://h.example/c/b');
    assert.equal(maskSasUrl('https://alice:pa55@h.example/c/b?sv=1&sig=x'), `https://h.example/c/b?sv=1&sig=${MASK}`);
});

test('redactUrl of a URL without a query: unchanged, keepParams adds no empty query', () => {
    assert.equal(redactUrl('https://h.example/c/b#part'), 'https://h.example/c/b#part');
    assert.equal(redactUrl('https://h.example/c/b', { keepParams: true }), 'https://h.example/c/b');
});

test('a visible parameter stays visible only while short and plainly encoded; a malformed encoding is masked', () => {
    const colons = '%3A'.repeat(33); // 99 characters as carried, 33 decoded
    assert.equal(maskSasUrl(`https://h/c/b?se=${colons}`), `https://h/c/b?se=${MASK}`);
    assert.equal(maskSasUrl(`https://h/c/b?se=${'%3A'.repeat(32)}`), `https://h/c/b?se=${'%3A'.repeat(32)}`, '96 as carried is still shown');
    assert.equal(maskSasUrl('https://h/c/b?se=%E0%A4%A&sv=2020'), `https://h/c/b?se=${MASK}&sv=2020`);
    assert.equal(maskSasUrl('https://h/c/b?%ZZ=1&sv=2020'), `https://h/c/b?${MASK}&sv=2020`);
});
