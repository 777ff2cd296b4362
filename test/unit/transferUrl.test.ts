/** The URL rules the engine applies before any request: what it refuses and what it says then. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { assertSecureUrl, blobIdentity, sasExpiredByClock } from '../../src/blob/url';
import { TransferError } from '../../src/transfer/core/types';

const refused = (url: string, message: string) =>
    assert.throws(() => assertSecureUrl(url), (e: unknown) => e instanceof TransferError && e.code === 'InsecureUrl' && e.message === message, url);

test('a refused URL is named by its scheme and host only, never its query', () => {
    refused('http://md-x.blob.storage.azure.net/c/b?sv=1&sig=s3cret', 'Refusing to download over http from md-x.blob.storage.azure.net: only https (or http on a loopback address) is allowed.');
    refused('ftp://127.0.0.1:2121/x?sig=s3cret', 'Refusing to download over ftp from 127.0.0.1:2121: only https (or http on a loopback address) is allowed.');
    refused('not a url?sig=s3cret', 'The download URL is not a valid URL.');
});

test('the SAS expiry: se= at or before now has expired; a missing or unreadable se=, or a bad URL, has not', () => {
    const se = '2030-01-01T00:00:00Z';
    const at = Date.parse(se);
    const url = `https://a.blob.core.windows.net/c/b?se=${encodeURIComponent(se)}&sig=x`;
    assert.equal(sasExpiredByClock(url, at), true, 'expiry equal to now');
    assert.equal(sasExpiredByClock(url, at - 1), false, 'one millisecond before the expiry');
    assert.equal(sasExpiredByClock(url, at + 1), true);
    assert.equal(sasExpiredByClock('https://a/b?sig=x', at), false, 'no se=');
    assert.equal(sasExpiredByClock('https://a/b?se=&sig=x', at), false, 'empty se=');
    assert.equal(sasExpiredByClock('https://a/b?se=tomorrow', at), false, 'unreadable se=');
    assert.equal(sasExpiredByClock('::not a url::', at), false, 'not a URL');
});

test("the blob's identity is its origin and path: no query, no fragment", () => {
    assert.equal(blobIdentity('https://md-x.blob.storage.azure.net:443/c/abcd?sv=1&sig=s3cret#f'), 'https://md-x.blob.storage.azure.net/c/abcd');
    assert.equal(blobIdentity('http://127.0.0.1:10000/devstoreaccount1/c/b.vhd?sig=x'), 'http://127.0.0.1:10000/devstoreaccount1/c/b.vhd');
});
