/** What activate() returns to other extensions. Test-only surface is not part of it (see src/testHooks.ts). */
export interface AzureDisksApi {
    apiVersion: 1;
}
