/** The sandbox's building blocks on their own: seed layout, content, tokens, fault lists, seed data. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { contentAt, planRanges } from '../sandbox/blobs';
import { FaultList } from '../sandbox/faults';
import * as seed from '../sandbox/seed';
import { TokenIssuer } from '../sandbox/tokens';

const MiB = 1024 * 1024;

describe('seeded content', () => {
    it('plans the same sorted, non-overlapping, 4 KiB-aligned ranges for the same seed', () => {
        const a = planRanges('disk-a', 32 * MiB, 3 * MiB);
        assert.deepEqual(planRanges('disk-a', 32 * MiB, 3 * MiB), a);
        assert.notDeepEqual(planRanges('disk-b', 32 * MiB, 3 * MiB), a);
        let end = 0;
        let total = 0;
        for (const r of a) {
            assert.ok(r.offset >= end, 'sorted and non-overlapping');
            assert.equal(r.offset % 4096, 0);
            assert.ok(r.offset + r.length <= 32 * MiB);
            end = r.offset + r.length;
            total += r.length;
        }
        assert.ok(total >= 3 * MiB && total < 4 * MiB, `about 3 MiB written (${total})`);
        assert.equal(a[0].offset < MiB, true, 'the first MiB has data');
        assert.deepEqual(planRanges('x', 32 * MiB, 0), []);
    });

    it('a large disk gets about 10 % written in fewer, larger ranges', () => {
        const r = planRanges('big', 1024 * MiB, 100 * MiB);
        const total = r.reduce((n, x) => n + x.length, 0);
        assert.ok(total >= 100 * MiB && total < 105 * MiB);
        assert.ok(r.length < 120, `${r.length} ranges`);
    });

    it('content at an offset equals the same slice of a longer read (reproducible at any position)', () => {
        const whole = contentAt('s', 0, 64 * 1024);
        assert.deepEqual(contentAt('s', 4096, 8192), whole.subarray(4096, 4096 + 8192));
        assert.notDeepEqual(contentAt('t', 0, 4096), whole.subarray(0, 4096));
    });
});

describe('tokens', () => {
    const issuer = new TokenIssuer('https://management.sandbox.invalid', 'http://127.0.0.1:1/login', 3600);

    it('issues JWT-shaped tokens with aud, tid, iat, exp that verify', () => {
        const { token, expiresOn } = issuer.issue('tenant-a');
        const parts = token.split('.');
        assert.equal(parts.length, 3);
        const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as Record<string, unknown>;
        assert.equal(claims.aud, 'https://management.sandbox.invalid');
        assert.equal(claims.tid, 'tenant-a');
        assert.equal(claims.exp, expiresOn);
        assert.ok(typeof claims.iat === 'number');
        const check = issuer.verify(`Bearer ${token}`);
        assert.equal(check.ok, true);
        assert.ok(issuer.issuedTokens().includes(token));
    });

    it('refuses missing, tampered, foreign-key, expired and wrong-audience tokens', () => {
        const { token } = issuer.issue('tenant-a');
        const [h, p, s] = token.split('.');
        const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), tid: 'tenant-b' })).toString('base64url');
        const other = new TokenIssuer('https://management.sandbox.invalid', 'x', 3600).issue('tenant-a').token;
        const cases: [string | undefined, string][] = [
            [undefined, 'AuthenticationFailed'],
            ['Basic abc', 'AuthenticationFailed'],
            [`Bearer ${h}.${forged}.${s}`, 'InvalidAuthenticationToken'],
            [`Bearer ${other}`, 'InvalidAuthenticationToken'],
            [`Bearer ${issuer.issue('tenant-a', -1).token}`, 'ExpiredAuthenticationToken'],
            [`Bearer ${issuer.issue('tenant-a', 60, 'https://storage.sandbox.invalid').token}`, 'InvalidAuthenticationTokenAudience'],
        ];
        for (const [header, code] of cases) {
            const r = issuer.verify(header);
            assert.equal(r.ok, false);
            if (!r.ok) assert.equal(r.code, code, String(header).slice(0, 20));
        }
    });
});

describe('fault lists', () => {
    it('match by case-insensitive regex and extra conditions, and run out after count', () => {
        const list = new FaultList<{ path: string; count?: number; method?: string }>((r) => r.path);
        list.add({ path: '/disks/a$', count: 2, method: 'GET' });
        assert.equal(list.take('/DISKS/A', (r) => r.method === 'POST'), undefined);
        assert.ok(list.take('/DISKS/A', (r) => r.method === 'GET'));
        assert.equal(list.take('/disks/ab'), undefined);
        assert.ok(list.take('/x/disks/a'));
        assert.equal(list.take('/x/disks/a'), undefined);
        assert.equal(list.size, 0);
        list.add({ path: '' });
        list.clear();
        assert.equal(list.take('/anything'), undefined);
    });
});

describe('seed data', () => {
    it('covers every kind the extension must handle', () => {
        const r = seed.resources;
        const has = (f: (x: seed.SeedResource) => boolean, what: string) => assert.ok(r.some(f), what);
        has((x) => x.kind === 'disk' && x.diskState === 'Unattached' && !x.securityType, 'unattached standard disk');
        has((x) => x.diskState === 'Attached' && seed.vms.find((v) => v.name === x.vm)?.powerState === 'running', 'disk of a running VM');
        has((x) => x.diskState === 'Reserved' && seed.vms.find((v) => v.name === x.vm)?.powerState === 'deallocated', 'disk of a deallocated VM');
        has((x) => !!x.securityType?.startsWith('ConfidentialVM_'), 'confidential VM disk');
        has((x) => x.securityType === 'TrustedLaunch', 'Trusted Launch disk');
        has((x) => x.diskState === 'ActiveSAS', 'disk in ActiveSAS');
        has((x) => x.diskState === 'ReadyToUpload', 'ReadyToUpload disk');
        has((x) => x.kind === 'snapshot' && x.incremental === false, 'full snapshot');
        has((x) => x.kind === 'snapshot' && x.incremental === true, 'incremental snapshot');
        has((x) => x.sizeMiB >= 1024 && Math.abs(x.writtenMiB / x.sizeMiB - 0.1) < 0.02, 'large sparse disk');
        has((x) => /[_.()]/.test(x.name), 'odd-but-legal name');
        const mainSubs = seed.subscriptions.filter((s) => s.tenantId === seed.MAIN_TENANT);
        assert.equal(mainSubs.length, 2);
        assert.equal(seed.subscriptions.filter((s) => s.tenantId === seed.OTHER_TENANT).length, 1);
        const scale = seed.scaleSeed();
        assert.equal(scale.disks.length, 5000);
        assert.equal(scale.groups.length, 50);
        assert.equal(new Set(scale.disks.map((d) => d.resourceGroup)).size, 50);
    });
});
