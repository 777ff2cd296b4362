/** Copy to…: a disk or snapshot into a new disk of any signed-in subscription, group and region. */
import type * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { copyTo } from './run';

export function registerCopy(ctx: AppContext, register: Register): vscode.Disposable[] {
    return [register(Cmd.CopyTo, (actx, arg) => copyTo(ctx, actx, arg))];
}
