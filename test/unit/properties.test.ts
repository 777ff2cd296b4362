import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { resolveCloud } from '../../src/azure/clouds';
import { toDiskInfo } from '../../src/azure/mapping';
import { portalUrl } from '../../src/shared/portal';
import { renderProperties } from '../../src/shared/properties';
import { diskContextValue, diskDescription, diskIcon, diskTooltipLines } from '../../src/tree/presentation';

const id = '/subscriptions/s1/resourceGroups/rg-locked/providers/Microsoft.Compute/disks/aad-data';

test('portal host per cloud, with the tenant so the portal switches directory', () => {
    assert.equal(portalUrl({ name: 'AzureCloud' }, 't1', id), `https://portal.azure.com/#@t1/resource${id}`);
    assert.equal(portalUrl({ name: 'AzureChinaCloud' }, 't1', id), `https://portal.azure.cn/#@t1/resource${id}`);
    assert.equal(portalUrl({ name: 'AzureUSGovernment' }, 't1', id), `https://portal.azure.us/#@t1/resource${id}`);
});

test('a custom cloud opens only where its portal is configured', () => {
    const base = { resourceManagerEndpoint: 'https://management.local.azurestack.external', activeDirectoryEndpoint: 'https://login.example.com', storageEndpointSuffix: 'local.azurestack.external' };
    assert.equal(portalUrl(resolveCloud('Custom', base), 't1', id), undefined);
    const withPortal = resolveCloud('Custom', { ...base, portalEndpoint: 'https://portal.local.azurestack.external/' });
    assert.equal(portalUrl(withPortal, 't1', id), `https://portal.local.azurestack.external/#@t1/resource${id}`);
    assert.throws(() => resolveCloud('Custom', { ...base, portalEndpoint: 'http://portal.example.com' }), /portalEndpoint.*https/);
});

test('odd resource names are escaped in the portal link', () => {
    const odd = '/subscriptions/s1/resourceGroups/rg-web/providers/Microsoft.Compute/disks/data_disk.v2-(old) #1';
    const url = portalUrl({ name: 'AzureCloud' }, 't1', odd)!;
    assert.ok(url.endsWith('/disks/data_disk.v2-(old)%20%231'), url);
});

test('properties render as indented JSON without SAS or tokens', () => {
    const sas = 'https://md-abc.z1.blob.storage.azure.net/c/abcd?sv=2018-03-28&sr=b&sig=SECRETSIG%3D&se=2030-01-01T00%3A00%3A00Z&sp=r';
    const text = renderProperties({
        id,
        name: 'aad-data',
        properties: { diskState: 'ActiveSAS', dataAccessAuthMode: 'AzureActiveDirectory', timeCreated: new Date('2025-06-01T10:00:00Z'), note: `see ${sas}`, accessSAS: sas, securityDataAccessSAS: sas },
        extra: { accessToken: 'eyJhbGciOi.payload.sig', header: 'Bearer eyJhbGciOi.payload.sig' },
    });
    assert.ok(!text.includes('SECRETSIG'), text);
    assert.ok(!text.includes('eyJhbGciOi'), text);
    assert.ok(!/accessSAS|securityDataAccessSAS|accessToken/.test(text), text);
    const parsed = JSON.parse(text);
    assert.equal(parsed.properties.dataAccessAuthMode, 'AzureActiveDirectory');
    assert.equal(parsed.properties.timeCreated, '2025-06-01T10:00:00.000Z');
    assert.match(text, /\n {4}"id"/);
});

test('Entra-protected and private disks: mapped, marked and explained in the tooltip', () => {
    const aad = toDiskInfo({ id, name: 'aad-data', location: 'westeurope', diskSizeGB: 1, diskState: 'Unattached', sku: { name: 'Premium_LRS' }, dataAccessAuthMode: 'AzureActiveDirectory', networkAccessPolicy: 'AllowAll', managedBy: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1', timeCreated: '2025-06-01T10:00:00Z' }, 'disk', 't1', 's1', 'rg-locked');
    assert.equal(aad.dataAccessAuthMode, 'AzureActiveDirectory');
    assert.match(diskContextValue(aad), /^azureDisk;state-Unattached;attached;entra;canGrant;$/);
    assert.match(diskDescription(aad), /Entra ID/);
    assert.equal(diskIcon(aad).id, 'workspace-trusted');
    const tip = diskTooltipLines(aad).join('\n');
    for (const fact of ['1 GiB · Premium_LRS', 'State: Unattached (vm-1)', 'Network access: all networks', 'Data Operator for Managed Disks', 'Created: 2025-06-01 10:00:00 UTC']) {
        assert.ok(tip.includes(fact), `${fact} in\n${tip}`);
    }
    const priv = toDiskInfo({ id, name: 'private-data', diskState: 'Unattached', networkAccessPolicy: 'AllowPrivate', diskAccessId: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/diskAccesses/da-1', dataAccessAuthMode: 'None' }, 'disk', 't1', 's1', 'rg');
    assert.equal(priv.dataAccessAuthMode, undefined);
    assert.match(diskContextValue(priv), /;private;/);
    assert.match(diskDescription(priv), /Private only/);
    assert.equal(diskIcon(priv).id, 'shield');
    assert.match(diskTooltipLines(priv).join('\n'), /Network access: private endpoint only[\s\S]*Disk access: da-1/);
    const deny = toDiskInfo({ id, name: 'denyall-data', diskState: 'Unattached', networkAccessPolicy: 'DenyAll' }, 'disk', 't1', 's1', 'rg');
    assert.match(diskDescription(deny), /No network access/);
});
