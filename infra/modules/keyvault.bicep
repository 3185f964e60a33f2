// Key Vault (RBAC authorization, soft delete) holding the Mercado Libre client secret. The app
// reads it through a Key Vault reference with its user-assigned identity (Key Vault Secrets User).

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
  }

  resource clientSecret 'secrets' = {
    name: meliClientSecretName
    properties: {
      value: meliClientSecret
      contentType: 'text/plain'
    }
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
