/** The rules that once had several copies, each with different behaviour: one home each now. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isLoopbackHost, isSecureOrLoopback } from '../../src/shared/loopback';
import { parseRetryAfter } from '../../src/shared/retryAfter';

test('loopback: localhost, [::1] and 127.0.0.0/8 as four decimal octets only', () => {
    for (const h of ['127.0.0.1', '127.255.3.4', '127.1.2.3', '127.0.10.1', '127.10.100.1', '127.0.0.255', 'localhost', 'LOCALHOST', '[::1]', '::1']) assert.equal(isLoopbackHost(h), true, h);
    // The copies this replaced disagreed on the last three (one accepted 127.0.0.256, one 127.0.0.1.x).
    for (const h of ['128.0.0.1', '10.0.0.1', 'example.com', 'management.azure.com', '127.0.0.1.nip.io', '127.0.0.1.example.com', '127.0.0.256', '127.0.0', '1270.0.0.1', '::2', 'localhost.example.com']) {
        assert.equal(isLoopbackHost(h), false, h);
    }
    // Brackets count only as the IPv6 literal's own, at the two ends; octets only as the whole host.
    for (const h of ['::[1', '::]1', '[::1]]', '[[::1]', 'x127.0.0.1', '1.127.0.0.1', 'a-127.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
});

test('https anywhere, http only to loopback', () => {
    assert.equal(isSecureOrLoopback(new URL('https://md-x.blob.storage.azure.net/c/b')), true);
    assert.equal(isSecureOrLoopback(new URL('http://127.0.0.1:10000/c/b')), true);
    assert.equal(isSecureOrLoopback(new URL('http://[::1]:8080/')), true);
    assert.equal(isSecureOrLoopback(new URL('http://127.0.0.1.evil.example/c/b')), false);
    assert.equal(isSecureOrLoopback(new URL('http://md-x.blob.storage.azure.net/c/b')), false);
    assert.equal(isSecureOrLoopback(new URL('ftp://127.0.0.1/x')), false);
});

test('Retry-After: delay-seconds or an HTTP date, in milliseconds', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    assert.equal(parseRetryAfter(['7', '9']), 7000);
    const now = Date.UTC(2030, 0, 1);
    assert.equal(parseRetryAfter(new Date(now + 30_000).toUTCString(), now), 30_000);
    assert.equal(parseRetryAfter(new Date(now - 30_000).toUTCString(), now), 0, 'a date in the past waits nothing');
    for (const bad of [undefined, '', 'soon', '1.5', '-3', '3s']) assert.equal(parseRetryAfter(bad), undefined, String(bad));
});
