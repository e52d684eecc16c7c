-- Argo CD health check for tenantsync.io/Baseline (argocd-cm key resource.customizations.health.tenantsync.io_Baseline).
-- Maps the rollout of the Baseline's newest revision to an Argo CD health status; docs/argocd.md explains it.
--   no status yet, or status older than the spec             -> Progressing
--   no rollout yet (no revision read from Git)               -> Progressing
--   Progressing, Paused (between waves)                      -> Progressing
--   PendingApproval (waiting for a person)                   -> Suspended
--   Halted (a run failed, a bad canary, a revision gone)     -> Degraded
--   Complete, Rejected                                       -> Healthy
--   anything else                                            -> Unknown
local hs = {}

local status = obj.status or {}
local rollout = status.rollout

local function describe(fallback)
  local text = nil
  if rollout ~= nil then
    text = rollout.message
  end
  if text == nil or text == "" then
    text = status.message
  end
  if text == nil or text == "" then
    text = fallback
  end
  return text
end

local generation = obj.metadata ~= nil and obj.metadata.generation or nil
if obj.status == nil or (generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the tenantsync operator to observe the Baseline"
  return hs
end

if rollout == nil or rollout.phase == nil or rollout.phase == "" then
  hs.status = "Progressing"
  hs.message = describe("Waiting for the baseline's first revision from Git")
  return hs
end

local phase = rollout.phase
if phase == "Progressing" or phase == "Paused" then
  hs.status = "Progressing"
  hs.message = describe("Rolling out")
elseif phase == "PendingApproval" then
  hs.status = "Suspended"
  hs.message = describe("Waiting for approval of the new revision")
elseif phase == "Halted" then
  hs.status = "Degraded"
  hs.message = describe("The rollout halted")
elseif phase == "Complete" then
  hs.status = "Healthy"
  hs.message = describe("Rolled out to every adopting Tenant")
elseif phase == "Rejected" then
  hs.status = "Healthy"
  hs.message = describe("The revision was rejected; nothing was rolled out")
else
  hs.status = "Unknown"
  hs.message = "Unrecognised Baseline rollout phase: " .. tostring(phase)
end
return hs
