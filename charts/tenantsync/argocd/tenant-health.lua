-- Argo CD health check for tenantsync.io/Tenant (argocd-cm key resource.customizations.health.tenantsync.io_Tenant).
-- Maps Tenant.status.phase to an Argo CD health status; docs/argocd.md explains each choice.
--   suspended (spec.suspend)                                 -> Suspended
--   no status yet, or status older than the spec             -> Progressing
--   Idle, NotRun                                             -> Healthy
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

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  if phase ~= nil and phase ~= "" then
    hs.message = "Scheduled syncs are suspended (spec.suspend); last status: " .. phase
  else
    hs.message = "Scheduled syncs are suspended (spec.suspend)"
  end
  return hs
end

if phase == nil or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for the tenantsync operator to report the Tenant's status"
  return hs
end

local generation = obj.metadata ~= nil and obj.metadata.generation or nil
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the tenantsync operator to observe generation " .. tostring(generation)
  return hs
end

if phase == "Idle" then
  hs.status = "Healthy"
  hs.message = describe(status, "The last sync succeeded")
elseif phase == "NotRun" then
  hs.status = "Healthy"
  hs.message = describe(status, "Never synced")
elseif phase == "Starting" or phase == "InProgress" then
  hs.status = "Progressing"
  hs.message = describe(status, "Sync " .. phase)
elseif phase == "PendingAuthentication" then
  hs.status = "Suspended"
  hs.message = describe(status, "Waiting for a user to sign in with the device code")
elseif phase == "PendingApproval" then
  hs.status = "Suspended"
  hs.message = describe(status, "Waiting for a decision on the planned changes")
elseif phase == "PendingAdminConsent" then
  hs.status = "Suspended"
  hs.message = describe(status, "Waiting for an administrator to grant admin consent")
elseif phase == "NewError" then
  hs.status = "Degraded"
  hs.message = describe(status, "The last sync failed")
elseif phase == "PartiallySuccessful" then
  hs.status = "Degraded"
  hs.message = describe(status, "The last sync was partially successful")
else
  hs.status = "Unknown"
  hs.message = "Unrecognised Tenant phase: " .. tostring(phase)
end
return hs
