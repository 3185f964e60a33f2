// Key Vault (RBAC authorization, soft delete) holding the Mercado Libre client secret and the
// secrets the deployment generates: the webhook's callback secret (and the previous one, accepted
// during a rotation) and the key that seals sellers' tokens. The app reads them through Key Vault
// references with its user-assigned identity (Key Vault Secrets User).

@description('Key Vault name (3-24 letters, digits and hyphens).')
param name string

param location string
param tags object = {}

@description('Principal id of the app\'s user-assigned identity.')
param identityPrincipalId string

@description('Resource id of the app\'s user-assigned identity (used to name the role assignment).')
param identityId string

@description('Name of the secret that holds the Mercado Libre OAuth client secret.')
param meliClientSecretName string

@secure()
@minLength(1)
@description('The Mercado Libre OAuth client secret.')
param meliClientSecret string

@secure()
@description('Random text for the webhook callback secret; written only when the secret does not exist yet.')
param callbackSecretSeed string

@secure()
@description('Random text for the previous callback secret (a value nobody knows until a rotation writes the old secret there); written only when it does not exist yet.')
param previousCallbackSecretSeed string

@secure()
@description('Random text for the token sealing key; written only when the secret does not exist yet.')
param tokenKeySeed string

@description('Name of the secret that holds the webhook callback secret.')
param callbackSecretName string

@description('Name of the secret that holds the previous callback secret.')
param previousCallbackSecretName string

@description('Name of the secret that holds the token sealing keys (id:secret pairs).')
param tokenKeysName string

@description('Turn on purge protection (cannot be turned off again; a deleted vault then stays reserved for the retention period).')
param enablePurgeProtection bool = false

var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Key Vault refuses an explicit false: leave the property out unless it is turned on.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    // The deployment reads the callback secret back (getSecret) to output the full webhook URL.
    enabledForTemplateDeployment: true
  }

  resource clientSecret 'secrets' = {
    name: meliClientSecretName
    properties: {
      value: meliClientSecret
      contentType: 'text/plain'
    }
  }
}

// Generated once: a redeployment (with a fresh seed) leaves the existing secrets, and so the
// registered webhook URL and the sealed tokens, as they are. Rotation is by hand (docs/deploy.md).
@onlyIfNotExists()
resource callbackSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: callbackSecretName
  properties: {
    value: replace(callbackSecretSeed, '-', '')
    contentType: 'text/plain'
  }
}

@onlyIfNotExists()
resource previousCallbackSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: previousCallbackSecretName
  properties: {
    value: replace(previousCallbackSecretSeed, '-', '')
    contentType: 'text/plain'
  }
}

@onlyIfNotExists()
resource tokenKeys 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: tokenKeysName
  properties: {
    value: 'k1:${replace(tokenKeySeed, '-', '')}'
    contentType: 'text/plain'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name

@description('Versionless URI of the client secret: the app picks up a new version on rotation.')
output clientSecretUri string = vault::clientSecret.properties.secretUri

@description('Versionless URI of the webhook callback secret.')
output callbackSecretUri string = callbackSecret.properties.secretUri

@description('Versionless URI of the previous callback secret.')
output previousCallbackSecretUri string = previousCallbackSecret.properties.secretUri

@description('Versionless URI of the token sealing keys.')
output tokenKeysUri string = tokenKeys.properties.secretUri
