-- Argo CD health check for tenantsync.io/SyncRun (argocd-cm key resource.customizations.health.tenantsync.io_SyncRun).
-- Maps SyncRun.status.phase to an Argo CD health status; docs/argocd.md explains each choice.
--   no status yet                                            -> Progressing
--   Succeeded, Rejected (a decision, carried out)            -> Healthy
--   Starting, InProgress                                     -> Progressing
--   PendingAuthentication, PendingApproval,
--   PendingAdminConsent  (waiting for a person)              -> Suspended
--   NewError, PartiallySuccessful                            -> Degraded
--   anything else                                            -> Unknown
local hs = {}

local function describe(status, fallback)
  local text = status.message
  if text == nil or text == "" then
    text = fallback
  end
  if status.error ~= nil and status.error.code ~= nil and status.error.code ~= "" then
    text = status.error.code .. ": " .. text
    if status.error.troubleshootingUrl ~= nil and status.error.troubleshootingUrl ~= "" then
      text = text .. " (see " .. status.error.troubleshootingUrl .. ")"
    end
  end
  return text
end

local status = obj.status or {}
local phase = status.phase

if phase == nil or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for the tenantsync operator to start the run"
  return hs
end

if phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = describe(status, "The sync succeeded")
elseif phase == "Rejected" then
  hs.status = "Healthy"
  hs.message = describe(status, "The planned changes were rejected; nothing was deployed")
elseif phase == "Starting" or phase == "InProgress" then
  hs.status = "Progressing"
  hs.message = describe(status, "Sync " .. phase)
elseif phase == "PendingAuthentication" then
  hs.status = "Suspended"
  hs.message = describe(status, "Waiting for a user to sign in with the device code")
elseif phase == "PendingApproval" then
  hs.status = "Suspended"
  hs.message = describe(status, "Waiting for a decision: annotate tenantsync.io/approval=approve|reject|reject-and-revert")
elseif phase == "PendingAdminConsent" then
  hs.status = "Suspended"
  hs.message = describe(status, "Waiting for an administrator to grant admin consent")
elseif phase == "NewError" then
  hs.status = "Degraded"
  hs.message = describe(status, "The sync failed")
elseif phase == "PartiallySuccessful" then
  hs.status = "Degraded"
  hs.message = describe(status, "The sync was partially successful")
else
  hs.status = "Unknown"
  hs.message = "Unrecognised SyncRun phase: " .. tostring(phase)
end
return hs
