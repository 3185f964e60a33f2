// MeliFunctions on Azure: a Flex Consumption Function App (.NET 10 isolated) with identity-based
// storage, Key Vault for the Mercado Libre client secret and Application Insights.
// Deploy with `azd up`, or `az deployment group create` into an existing resource group
// (see docs/deploy.md).
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Environment name (azd: AZURE_ENV_NAME); seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource; must offer Flex Consumption.')
param location string = resourceGroup().location

// ---- Mercado Libre application ----------------------------------------------------------------

@minLength(1)
@description('The Mercado Libre application id (the OAuth client_id). Notifications for other apps are refused.')
param meliAppId string

@secure()
@minLength(1)
@description('The Mercado Libre OAuth client secret. Stored in Key Vault only; the app reads it through a Key Vault reference.')
param meliClientSecret string

@description('Mercado Libre API base URL (also used for /oauth/token).')
param meliApiBaseUrl string = 'https://api.mercadolibre.com'

@description('Where sellers are sent to authorise the app (the country\'s auth site).')
param meliAuthBaseUrl string = 'https://auth.mercadolibre.com.ar'

// ---- Generated secrets (written once; see docs/deploy.md for rotation) ------------------------

@secure()
@description('Leave empty: a fresh random value each deployment, used only if the webhook callback secret does not exist yet.')
param callbackSecretSeed string = '${newGuid()}${newGuid()}'

@secure()
@description('Leave empty: a fresh random value each deployment, used only if the previous callback secret does not exist yet.')
param previousCallbackSecretSeed string = '${newGuid()}${newGuid()}'

@secure()
@description('Leave empty: a fresh random value each deployment, used only if the token sealing key does not exist yet.')
param tokenKeySeed string = '${newGuid()}${newGuid()}'

// ---- Behaviour --------------------------------------------------------------------------------

@minLength(3)
@maxLength(45)
@description('Durable Functions task hub name: letters and digits, starting with a letter.')
param taskHubName string = 'MeliFunctions'

@description('NCRONTAB (6 fields, UTC) for the stock reconcile timer.')
param stockReconcileSchedule string = '0 */15 * * * *'

@description('NCRONTAB (6 fields, UTC) for the pending and missed-order sweep.')
param pendingSweepSchedule string = '0 */10 * * * *'

@description('How long the fraud flow waits for Mercado Libre to cancel by itself before cancelling as the seller (TimeSpan).')
param fraudMeliCancelWait string = '00:30:00'

@description('How long the fraud flow waits for `cancelled` after cancelling, before manual review (TimeSpan).')
param fraudCancelConfirmWait string = '06:00:00'

@description('The reason the fraud flow gives Mercado Libre when it cancels as the seller (feedback fulfilled:false).')
@allowed([ 'DUBIOUS_BUYER', 'OUT_OF_STOCK', 'SELLER_REGRETS', 'UNAVAILABLE_PRODUCT' ])
param fraudCancelReason string = 'DUBIOUS_BUYER'

@description('Also put a fraud order\'s buyer on the seller\'s order_blacklist.')
param fraudBlacklistBuyer bool = false

@description('Give positive feedback automatically when an order is delivered (once per order).')
param autoFeedbackOnDelivered bool = false

@description('Let any Mercado Libre account connect without an invitation (OAuth__OpenEnrolment). Off: new sellers need an invitation from POST /api/admin/invites.')
param openEnrolment bool = false

// ---- Scale and access -------------------------------------------------------------------------

@minValue(1)
@maxValue(1000)
@description('Flex Consumption: most instances the app scales out to. Each instance takes 1/n of every seller\'s Mercado Libre request budget (Meli__BudgetInstances), so more instances do not mean more calls to Mercado Libre.')
param maximumInstanceCount int = 2

@allowed([
  2048
  4096
])
@description('Flex Consumption: memory per instance (MB).')
param instanceMemoryMB int = 2048

@description('Optional: object id of the user or service principal deploying (azd: AZURE_PRINCIPAL_ID). Gets the storage data roles only with grantDeployerDataAccess.')
param principalId string = ''

@description('Give principalId the storage data roles (blob, queue, table) to inspect or run against the account. Off: the deploying principal gets no data access.')
param grantDeployerDataAccess bool = false

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Type of principalId.')
param principalType string = 'User'

@description('Turn on Key Vault purge protection (one-way).')
param enableKeyVaultPurgeProtection bool = false

// ---- Names ------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var appName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package'
var meliClientSecretName = 'meli-client-secret'
var callbackSecretName = 'notifications-callback-secret'
var previousCallbackSecretName = 'notifications-callback-secret-previous'
var tokenKeysName = 'token-keys'

// ---- Resources --------------------------------------------------------------------------------

// The one identity the app uses for storage, Key Vault references and Application Insights.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.id
    identityPrincipalId: identity.properties.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    identityId: identity.id
    identityPrincipalId: identity.properties.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    grantDeployerDataAccess: grantDeployerDataAccess
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.id
    identityPrincipalId: identity.properties.principalId
    meliClientSecretName: meliClientSecretName
    meliClientSecret: meliClientSecret
    callbackSecretName: callbackSecretName
    callbackSecretSeed: callbackSecretSeed
    previousCallbackSecretName: previousCallbackSecretName
    previousCallbackSecretSeed: previousCallbackSecretSeed
    tokenKeysName: tokenKeysName
    tokenKeySeed: tokenKeySeed
    enablePurgeProtection: enableKeyVaultPurgeProtection
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: 'plan-${resourceToken}'
    appName: appName
    location: location
    tags: tags
    identityId: identity.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

var appBaseUrl = 'https://${functionApp.outputs.defaultHostName}'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'kv-${resourceToken}'
}

module webhookUrl 'modules/webhookurl.bicep' = {
  name: 'webhookurl'
  params: {
    appBaseUrl: appBaseUrl
    callbackSecret: vault.getSecret(callbackSecretName)
  }
  dependsOn: [
    keyVault
  ]
}

// ---- App settings -----------------------------------------------------------------------------

// The product's own settings: every setting MeliFunctions reads, and nothing else. This is the one
// list (the README's settings table and local.settings.sample.json carry the same names; a test
// keeps them together).
var productSettings = {
  TASKHUB_NAME: taskHubName
  Meli__ApiBaseUrl: meliApiBaseUrl
  Meli__AuthBaseUrl: meliAuthBaseUrl
  Meli__AppId: meliAppId
  // Versionless reference (trailing slash, no version): a rotated secret is picked up without a redeploy.
  Meli__ClientSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.clientSecretUri}/)'
  Meli__RedirectUri: '${appBaseUrl}/api/oauth/callback'
  // The webhook requires ?secret= (generated once into Key Vault); the previous one is accepted too,
  // so a rotation loses no notification.
  Notifications__CallbackSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.callbackSecretUri}/)'
  Notifications__PreviousCallbackSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.previousCallbackSecretUri}/)'
  // The key that seals sellers' tokens at rest (id:secret pairs; generated once into Key Vault).
  Tokens__Keys: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.tokenKeysUri}/)'
  OAuth__OpenEnrolment: string(openEnrolment)
  StockReconcileSchedule: stockReconcileSchedule
  PendingSweepSchedule: pendingSweepSchedule
  Fraud__MeliCancelWait: fraudMeliCancelWait
  Fraud__CancelConfirmWait: fraudCancelConfirmWait
  Fraud__CancelReason: fraudCancelReason
  Fraud__BlacklistBuyer: string(fraudBlacklistBuyer)
  SellerActions__AutoFeedbackOnDelivered: string(autoFeedbackOnDelivered)
  // Every instance takes this share of each seller's request budget: the plan never runs more instances than this.
  Meli__BudgetInstances: string(maximumInstanceCount)
}

// What the Functions host and the platform read.
var platformSettings = {
  // Identity-based host storage (also used by Durable Functions' AzureStorage provider and the queue trigger).
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  // Workaround for a .NET 10 start-up crash on Flex Consumption (FunctionsNetHost SIGSEGV in the
  // placeholder, azure-functions-dotnet-worker issue 3335): start the worker without the placeholder.
  WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED: '0'
}

module appSettings 'modules/appsettings.bicep' = {
  name: 'appsettings'
  params: {
    // A deploy-time name keeps What-If precise; the settings below depend on the app already.
    appName: appName
    platformSettings: platformSettings
    productSettings: productSettings
  }
}

// ---- Outputs (azd stores them in the environment) ---------------------------------------------

output AZURE_LOCATION string = location
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = appBaseUrl
@secure()
@description('Paste into the Mercado Libre application as the notifications callback URL (it carries the webhook secret, so it is a secure output).')
output MELI_WEBHOOK_URL string = webhookUrl.outputs.url
@description('Register as the redirect URI of the Mercado Libre application.')
output MELI_REDIRECT_URI string = '${appBaseUrl}/api/oauth/callback'
@description('Send a seller here to connect their account.')
output MELI_OAUTH_START_URL string = '${appBaseUrl}/api/oauth/start'
output KEY_VAULT_NAME string = keyVault.outputs.name
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
