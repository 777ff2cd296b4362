/**
 * Sign In, Sign Out and Switch Account. Sign Out forgets the sign-in in this extension only: VS
 * Code's accounts belong to VS Code, and the Azure CLI's and the environment's to them; the
 * messages say how to sign out there too.
 */
import * as vscode from 'vscode';
import { describeAccount, signedInAccount, type SignedInAccount } from '../../azure/account';
import { authProviderId, sessionScopes } from '../../azure/vscodeCredential';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd, StateKey } from '../../shared/constants';

function signedOut(ctx: AppContext): boolean {
    return ctx.services.context.globalState.get<boolean>(StateKey.SignedOut) === true;
}

async function current(ctx: AppContext): Promise<SignedInAccount | undefined> {
    if (signedOut(ctx)) return undefined;
    return signedInAccount(await ctx.sessions.get()).catch(() => undefined);
}

export async function signIn(ctx: AppContext, actx: ActionContext): Promise<void> {
    const session = await ctx.sessions.get();
    actx.telemetry.properties.method = session.method;
    actx.telemetry.properties.cloud = session.cloud.name;
    actx.errorContext = { operation: 'signIn' };
    const already = await current(ctx);
    if (already) {
        actx.telemetry.properties.already = 'true';
        ctx.services.log.info(`Sign In: already signed in as ${already.label} (${already.method}).`);
        offerAccountActions(ctx, vscode.l10n.t('Already signed in as {0}.', describeAccount(already)));
        return;
    }
    await ctx.sessions.signIn();
    await ctx.services.context.globalState.update(StateKey.SignedOut, undefined);
    ctx.tree.refresh();
    const now = await current(ctx);
    ctx.services.log.info(now ? `Signed in as ${now.label} (${now.method}).` : `Sign In (${session.method}) finished, but no account can be used yet.`);
    if (now) void ctx.services.ui.showInformationMessage(vscode.l10n.t('Signed in as {0}.', describeAccount(now)));
}

/** A toast naming the account, with Switch Account and Sign Out, run as their own commands. */
function offerAccountActions(ctx: AppContext, message: string): void {
    const switchAccount = vscode.l10n.t('Switch Account');
    const signOutItem = vscode.l10n.t('Sign Out');
    void ctx.services.ui.showInformationMessage(message, switchAccount, signOutItem).then(
        (choice) => {
            if (choice === switchAccount) void vscode.commands.executeCommand(Cmd.SwitchAccount);
            else if (choice === signOutItem) void vscode.commands.executeCommand(Cmd.SignOut);
        },
        () => undefined,
    );
}

export async function signOut(ctx: AppContext, actx: ActionContext): Promise<void> {
    const session = await ctx.sessions.get();
    actx.telemetry.properties.method = session.method;
    const account = await current(ctx);
    await ctx.services.context.globalState.update(StateKey.SignedOut, true);
    ctx.tree.refresh();
    ctx.services.log.info(`Signed out${account ? ` ${account.label}` : ''} (${session.method}).`);
    const who = account?.label ?? vscode.l10n.t('the account');
    const where =
        session.method === 'vscode'
            ? vscode.l10n.t('{0} stays signed in to VS Code: remove it in the Accounts menu to sign out of VS Code too.', who)
            : session.method === 'azureCli'
              ? vscode.l10n.t('The Azure CLI stays signed in as {0}: run "az logout" in a terminal to sign out of it too.', who)
              : vscode.l10n.t('The environment credentials (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET or a managed identity) stay in place: remove them to stop using them.');
    void ctx.services.ui.showInformationMessage(`${vscode.l10n.t('Signed out of Azure Managed Disks.')} ${where}`);
}

export async function switchAccount(ctx: AppContext, actx: ActionContext): Promise<void> {
    const session = await ctx.sessions.get();
    actx.telemetry.properties.method = session.method;
    if (session.method === 'vscode') {
        const providerId = authProviderId(session.cloud);
        const before = await current(ctx);
        // One account signed in to several tenants is still one account.
        const accounts = new Set((await vscode.authentication.getAccounts(providerId).then((a) => a, () => [])).map((a) => a.id)).size;
        actx.telemetry.measurements.accounts = accounts;
        if (before && accounts <= 1) {
            // VS Code would hand back the same account without a word: say why nothing changes.
            ctx.services.log.info(`Switch Account: ${before.label} is the only account VS Code is signed in to; nothing to switch to.`);
            void ctx.services.ui.showInformationMessage(vscode.l10n.t('{0} is the only Microsoft account signed in to VS Code, so there is no other to switch to. To use another, sign in to it from the Accounts menu (at the bottom of the Activity Bar), then run Switch Account again.', before.label));
            return;
        }
        try {
            // VS Code asks which of its Microsoft accounts to use (or to add one), and remembers the choice.
            await vscode.authentication.getSession(providerId, sessionScopes(session.cloud, undefined), { clearSessionPreference: true, createIfNone: true });
        } catch (e) {
            if (e instanceof vscode.CancellationError || /cancel|did not consent/i.test(String((e as Error)?.message))) throw new UserCancelledError('switchAccount');
            throw e;
        }
        await ctx.services.context.globalState.update(StateKey.SignedOut, undefined);
        ctx.sessions.reset();
        const now = await current(ctx);
        ctx.services.log.info(`Switch Account: ${now ? `now ${now.label}` : 'no account'}${before ? ` (was ${before.label})` : ''} (${session.method}).`);
        if (now) void ctx.services.ui.showInformationMessage(now.label === before?.label ? vscode.l10n.t('Still signed in as {0}.', describeAccount(now)) : vscode.l10n.t('Signed in as {0}.', describeAccount(now)));
        return;
    }
    // The CLI and the environment choose the identity; the extension follows them.
    const refresh = vscode.l10n.t('Refresh');
    const how =
        session.method === 'azureCli'
            ? vscode.l10n.t('The Azure CLI decides the account: run "az login" (or "az account set") in a terminal, then Refresh.')
            : vscode.l10n.t('The environment decides the identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET): change it and restart VS Code, or choose another sign-in method in the azureDisks.authentication setting.');
    ctx.services.log.info(`Switch Account (${session.method}): the account is chosen outside VS Code; said how.`);
    const choice = await ctx.services.ui.showInformationMessage(how, refresh);
    if (choice === refresh) {
        await ctx.services.context.globalState.update(StateKey.SignedOut, undefined);
        ctx.sessions.reset();
    }
}
