/** The current sign-in, rebuilt when the cloud or authentication setting changes. */
import * as vscode from 'vscode';
import { Setting } from '../shared/constants';
import { createArmClients } from './armClients';
import { AzureSession, identityCredentialFactory, parseAuthMethod, SignInRequiredError } from './auth';
import { resolveCloud } from './clouds';
import { interactiveSignIn, VscodeSessionCredential } from './vscodeCredential';

export class SessionManager implements vscode.Disposable {
    private current?: AzureSession;
    private readonly emitter = new vscode.EventEmitter<void>();
    /** Fires when settings changed the sign-in (tree and clients must start over). */
    readonly onDidChange = this.emitter.event;
    private readonly disposables: vscode.Disposable[] = [this.emitter];

    constructor() {
        this.disposables.push(
            vscode.workspace.onDidChangeConfiguration((e) => {
                if (e.affectsConfiguration(`${Setting.Section}.${Setting.Cloud}`) || e.affectsConfiguration(`${Setting.Section}.${Setting.CustomCloud}`) || e.affectsConfiguration(`${Setting.Section}.${Setting.Authentication}`)) {
                    this.reset();
                }
            }),
            vscode.authentication.onDidChangeSessions((e) => {
                if (this.current?.method === 'vscode' && e.provider.id.startsWith('microsoft')) this.reset();
            }),
        );
    }

    reset(): void {
        this.current = undefined;
        this.emitter.fire();
    }

    /** Throws CloudConfigError (plain words, naming the setting) when the settings are malformed. */
    async get(): Promise<AzureSession> {
        if (this.current) return this.current;
        const config = vscode.workspace.getConfiguration(Setting.Section);
        const cloud = resolveCloud(config.get<string>(Setting.Cloud), config.get<unknown>(Setting.CustomCloud), `${Setting.Section}.${Setting.CustomCloud}`);
        const method = parseAuthMethod(config.get<string>(Setting.Authentication));
        const factory = method === 'vscode' ? (tenantId: string | undefined) => new VscodeSessionCredential(cloud, tenantId) : identityCredentialFactory(method, cloud);
        this.current = new AzureSession(cloud, method, factory, createArmClients);
        return this.current;
    }

    /** Silent check: can a token be had now? */
    async isSignedIn(): Promise<boolean> {
        return (await this.get()).canGetToken();
    }

    /** After a user action: may prompt (VS Code account); for the CLI/environment routes it retries. */
    async signIn(): Promise<void> {
        const session = await this.get();
        if (session.method === 'vscode') {
            await interactiveSignIn(session.cloud);
            this.reset();
        } else {
            // A fresh session: the last attempt's failed credential may have cached its failure.
            this.current = undefined;
            const fresh = await this.get();
            if (!(await fresh.canGetToken())) {
                throw new SignInRequiredError(session.method === 'azureCli' ? 'The Azure CLI is not signed in. Run "az login" in a terminal, then sign in again.' : 'No Azure credentials were found in the environment (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET) or from a managed identity.');
            }
            this.emitter.fire();
        }
    }

    /** After the user chose "Sign in to <tenant>": VS Code's account prompt for that tenant. */
    async signInToTenant(tenantId: string): Promise<void> {
        const session = await this.get();
        if (session.method !== 'vscode') return;
        await interactiveSignIn(session.cloud, tenantId);
        this.reset();
    }

    dispose(): void {
        this.disposables.forEach((d) => d.dispose());
    }
}
