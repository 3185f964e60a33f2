// The full webhook URL, secret included, for the operator to register with Mercado Libre. A module
// of its own so that the secret arrives as a Key Vault reference (read when this step runs, so it is
// the stored secret, not a fresh seed) and leaves only as a secure output, which deployment history
// does not keep.

@description('https://<app host>')
param appBaseUrl string

@secure()
@description('The webhook callback secret, from Key Vault.')
param callbackSecret string

@secure()
@description('Paste into the Mercado Libre application as the notifications callback URL.')
output url string = '${appBaseUrl}/api/notifications?secret=${callbackSecret}'
