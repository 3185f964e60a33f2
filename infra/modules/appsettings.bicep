// The Function App's application settings. Writing `appsettings` replaces the whole set, so this is
// the complete list: the platform's (storage, monitoring, start-up) and the product's own.

@description('Name of the existing Function App.')
param appName string

@description('Settings the Functions host and platform read (identity-based storage, App Insights, start-up).')
param platformSettings object

@description('Settings MeliFunctions itself reads; the list is kept in main.bicep (productSettings).')
param productSettings object

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union(platformSettings, productSettings)
}
