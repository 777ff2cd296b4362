import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AzureChinaCloud, AzureCloud, AzureUSGovernment, CloudConfigError, resolveCloud, signsInAtPublicEntraId } from '../../src/azure/clouds';
import { isLoopbackHost } from '../../src/shared/loopback';

const custom = {
    resourceManagerEndpoint: 'http://127.0.0.1:4321',
    activeDirectoryEndpoint: 'http://127.0.0.1:4321/aad',
    managementScope: 'https://management.sandbox.invalid/.default',
    storageEndpointSuffix: '127.0.0.1',
};

test('public clouds resolve by name, Azure by default', () => {
    assert.equal(resolveCloud(undefined, undefined), AzureCloud);
    assert.equal(resolveCloud('AzureChinaCloud', undefined).resourceManagerEndpoint, 'https://management.chinacloudapi.cn');
    assert.equal(resolveCloud('AzureUSGovernment', undefined).activeDirectoryEndpoint, 'https://login.microsoftonline.us');
    assert.equal(AzureCloud.managementScope, 'https://management.azure.com/.default');
    assert.equal(AzureChinaCloud.storageEndpointSuffix, 'core.chinacloudapi.cn');
    assert.equal(AzureUSGovernment.storageEndpointSuffix, 'core.usgovcloudapi.net');
});

test('an unknown cloud name is an error naming the setting', () => {
    assert.throws(() => resolveCloud('Mars', undefined), (e: Error) => e instanceof CloudConfigError && /azureDisks\.cloud/.test(e.message) && /Mars/.test(e.message));
});

test('a loopback custom cloud over http is accepted and normalised', () => {
    const c = resolveCloud('Custom', custom);
    assert.equal(c.name, 'Custom');
    assert.equal(c.resourceManagerEndpoint, 'http://127.0.0.1:4321');
    assert.equal(c.activeDirectoryEndpoint, 'http://127.0.0.1:4321/aad');
    assert.equal(c.managementScope, custom.managementScope);
    assert.equal(c.storageEndpointSuffix, '127.0.0.1');
    assert.equal(resolveCloud('Custom', { ...custom, resourceManagerEndpoint: 'http://localhost:9/' }).resourceManagerEndpoint, 'http://localhost:9');
    assert.equal(resolveCloud('Custom', { ...custom, resourceManagerEndpoint: 'http://[::1]:9' }).resourceManagerEndpoint, 'http://[::1]:9');
});

test('plain http to a non-loopback host is refused, naming the field', () => {
    assert.throws(
        () => resolveCloud('Custom', { ...custom, resourceManagerEndpoint: 'http://management.example.com' }),
        (e: Error) => e instanceof CloudConfigError && e.message.includes('azureDisks.customCloud.resourceManagerEndpoint') && /https/.test(e.message),
    );
    assert.throws(() => resolveCloud('Custom', { ...custom, activeDirectoryEndpoint: 'http://128.0.0.1' }), /activeDirectoryEndpoint/);
    assert.throws(() => resolveCloud('Custom', { ...custom, activeDirectoryEndpoint: 'http://127.evil.com' }), /activeDirectoryEndpoint/);
});

test('malformed or missing custom values give clear messages, not stack traces', () => {
    assert.throws(() => resolveCloud('Custom', { ...custom, resourceManagerEndpoint: 'not a url' }), /resourceManagerEndpoint" is not a valid URL/);
    assert.throws(() => resolveCloud('Custom', { ...custom, resourceManagerEndpoint: '' }), /resourceManagerEndpoint" is missing/);
    assert.throws(() => resolveCloud('Custom', undefined), /azureDisks\.customCloud" must be an object/);
    assert.throws(() => resolveCloud('Custom', 'https://x'), /must be an object/);
    assert.throws(() => resolveCloud('Custom', { ...custom, storageEndpointSuffix: 'has spaces in it' }), /storageEndpointSuffix/);
    assert.throws(() => resolveCloud('Custom', { ...custom, managementScope: 42 }), /managementScope/);
    assert.throws(() => resolveCloud('Custom', { ...custom, resourceManagerEndpoint: 'ftp://127.0.0.1' }), /must use https/);
    assert.throws(() => resolveCloud('Custom', { ...custom, resourceManagerEndpoint: 'https://user:pw@example.com' }), /credentials/);
});

test('the management scope defaults to the endpoint plus /.default', () => {
    const c = resolveCloud('Custom', { ...custom, resourceManagerEndpoint: 'https://management.example.com/', managementScope: undefined });
    assert.equal(c.managementScope, 'https://management.example.com/.default');
});

test('loopback detection', () => {
    for (const h of ['127.0.0.1', '127.255.3.4', 'localhost', 'LOCALHOST', '[::1]', '::1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['128.0.0.1', '10.0.0.1', 'example.com', '127.0.0.1.nip.io', '127.0.0.256', '::2']) assert.equal(isLoopbackHost(h), false, h);
});

test('Azure, and a custom cloud signing in at Entra ID\'s public authority, sign in as the public cloud does; others do not', () => {
    assert.equal(signsInAtPublicEntraId(AzureCloud), true);
    assert.equal(signsInAtPublicEntraId(AzureChinaCloud), false);
    assert.equal(signsInAtPublicEntraId(AzureUSGovernment), false);
    assert.equal(signsInAtPublicEntraId(resolveCloud('Custom', custom)), false, 'the sandbox\'s own authority');
    assert.equal(signsInAtPublicEntraId(resolveCloud('Custom', { ...custom, activeDirectoryEndpoint: 'https://login.microsoftonline.com/' })), true);
    assert.equal(signsInAtPublicEntraId(resolveCloud('Custom', { ...custom, activeDirectoryEndpoint: 'https://LOGIN.microsoftonline.com/contoso.onmicrosoft.com' })), true, 'with a tenant in the path');
    assert.equal(signsInAtPublicEntraId(resolveCloud('Custom', { ...custom, activeDirectoryEndpoint: 'https://login.microsoftonline.us' })), false);
    assert.equal(signsInAtPublicEntraId(resolveCloud('Custom', { ...custom, activeDirectoryEndpoint: 'https://login.microsoftonline.com.evil.example' })), false);
});
