/** Command ids, in one place. Every id here must be contributed in package.json (checked in tests). */
export const enum Cmd {
    SignIn = 'azureDisks.signIn',
    SignOut = 'azureDisks.signOut',
    SwitchAccount = 'azureDisks.switchAccount',
    SelectSubscriptions = 'azureDisks.selectSubscriptions',
    Refresh = 'azureDisks.refresh',
    GrantAccess = 'azureDisks.grantAccess',
    RevokeAccess = 'azureDisks.revokeAccess',
    Download = 'azureDisks.download',
    ShowAccess = 'azureDisks.showAccess',
    CopySasUri = 'azureDisks.copySasUri',
    ShowLog = 'azureDisks.showLog',
    CreateDiskFromImage = 'azureDisks.createDiskFromImage',
    UploadImage = 'azureDisks.uploadImage',
    UploadToDisk = 'azureDisks.uploadToDisk',
    DeleteDisk = 'azureDisks.deleteDisk',
    OpenSettings = 'azureDisks.openSettings',
    CreateSnapshot = 'azureDisks.createSnapshot',
    ExportSnapshot = 'azureDisks.exportSnapshot',
    CopyTo = 'azureDisks.copyTo',
    CreateDiskFromBlobs = 'azureDisks.createDiskFromBlobs',
    ShowProperties = 'azureDisks.showProperties',
    OpenInPortal = 'azureDisks.openInPortal',
    BrowseContents = 'azureDisks.browseContents',
    OpenDiskImage = 'azureDisks.openDiskImage',
    SaveToWorkspace = 'azureDisks.saveToWorkspace',
    CloseDiskContents = 'azureDisks.closeDiskContents',
    UpdateEarlierDownload = 'azureDisks.updateEarlierDownload',
    DownloadChanges = 'azureDisks.downloadChanges',
    /** Tree-internal: an error node's Retry action. */
    RetryLoad = 'azureDisks.retryLoad',
}

export const VIEW_ID = 'azureDisks.disks';

/** Setting keys under the `azureDisks` section. */
export const enum Setting {
    Section = 'azureDisks',
    Cloud = 'cloud', // 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment' | 'Custom'
    CustomCloud = 'customCloud', // { resourceManagerEndpoint, activeDirectoryEndpoint, managementScope, storageEndpointSuffix }
    Authentication = 'authentication', // 'vscode' | 'azureCli' | 'environment'
    DownloadFolder = 'download.folder', // default "disks", relative to the workspace folder
    DownloadConcurrency = 'download.concurrency', // default 16, 1..64
    RevokeAfterDownload = 'download.revokeAfterDownload', // 'ask' | 'always' | 'never'
    OnSasExpired = 'download.onSasExpired', // 'ask' | 'regrant'
    RevokeOnCancel = 'download.revokeOnCancel', // 'ask' | 'always' | 'never'
}

/** globalState keys. Never holds a SAS or a token. */
export const enum StateKey {
    SelectedSubscriptions = 'azureDisks.selectedSubscriptions',
    /** Downloads in progress: disk ref + destination paths, to offer resume after a reload. */
    PendingDownloads = 'azureDisks.pendingDownloads',
    /** Uploads that stopped before they finished: disk ref + local files, to continue them. */
    PendingUploads = 'azureDisks.pendingUploads',
    /** Set by Sign Out: the view stays signed out until Sign In, whatever credential is still around. */
    SignedOut = 'azureDisks.signedOut',
    /** Copies that stopped before they finished: source and target refs, to resume them. */
    PendingCopies = 'azureDisks.pendingCopies',
    /** Files downloaded from incremental snapshots (paths only): where their `.snapshot.json` records are. */
    SnapshotDownloads = 'azureDisks.snapshotDownloads',
    /** The ids of the tree rows the user has expanded (resource names only), reopened when they come back. */
    ExpandedRows = 'azureDisks.expandedRows',
    /** The folder of the last image chosen for an upload: the file dialogs open there next time. */
    ImageFolder = 'azureDisks.imageFolder',
    /** What this machine knows of a disk that its Azure state does not say (shared/diskNotes.ts): ids and names only. */
    DiskNotes = 'azureDisks.diskNotes',
    /** The walkthrough's steps done (names only), ticked again after a reload. */
    WalkthroughDone = 'azureDisks.walkthroughDone',
}
