/** The flows, in the order they run (later ones build on the workbench state earlier ones leave). */
import type { Flow } from '../flow';
import { attachedFlow } from './attached';
import { browseCvmFlow, browseRhelFlow, browseWindowsFlow } from './browse';
import { lockedFlow } from './locked';
import { confidentialFlow } from './confidential';
import { copyFlow } from './copy';
import { exportInsteadFlow } from './exportInstead';
import { keyboardFlow } from './keyboard';
import { reloadFlow } from './reload';
import { restorePointsFlow } from './restorePoints';
import { resumeFlow } from './resume';
import { uploadFlow } from './upload';
import { windowReloadFlow } from './windowReload';
import { revokeFlow } from './revoke';
import { snapshotFlow } from './snapshot';
import { treeFlow } from './tree';
import { updateFlow } from './update';
import { extensionPageFlow } from './extensionPage';

export const flows: Flow[] = [
    treeFlow, confidentialFlow, revokeFlow, snapshotFlow, attachedFlow, exportInsteadFlow, copyFlow, updateFlow, lockedFlow, restorePointsFlow, keyboardFlow, resumeFlow, uploadFlow, reloadFlow,
    // The first disk browsed turns the window into a multi-root workspace, which reloads the page.
    browseCvmFlow, browseWindowsFlow, browseRhelFlow,
    extensionPageFlow,
    // Last: after its page.reload(), a window turned into a multi-root workspace by a first browse
    // was seen to come back with no folders (code-server), so nothing browses after it.
    windowReloadFlow,
];
