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
import { revokeFlow } from './revoke';
import { snapshotFlow } from './snapshot';
import { treeFlow } from './tree';
import { updateFlow } from './update';
import { extensionPageFlow } from './extensionPage';

export const flows: Flow[] = [treeFlow, confidentialFlow, revokeFlow, snapshotFlow, attachedFlow, exportInsteadFlow, copyFlow, updateFlow, lockedFlow, restorePointsFlow, keyboardFlow, resumeFlow, uploadFlow, reloadFlow, extensionPageFlow];

/**
 * Run only when named (`--flow tree --flow browse-cvm …`): the first disk browsed turns the window
 * into a multi-root workspace, which reloads the page and signs the test authentication provider
 * out (it keeps sessions in memory), and these flows do not yet get through that reliably after the
 * whole list has run. They passed when run after `tree` alone.
 */
export const namedOnlyFlows: Flow[] = [browseCvmFlow, browseWindowsFlow, browseRhelFlow];
