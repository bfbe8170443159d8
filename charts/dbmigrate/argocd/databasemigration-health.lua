-- Argo CD health of a dbmigrate.dev DatabaseMigration: the value of argocd-cm's
-- resource.customizations.health.dbmigrate.dev_DatabaseMigration (see docs/gitops.md).
--   Healthy      Ready for the current generation: every migration is applied.
--   Degraded     Failed, or stalled on something only a change lifts (a lint policy); the
--                message names the reason, version, file and line.
--   Progressing  anything else: no status yet, a status of an older generation, steps running,
--                or waiting for something that comes by itself (a dependency, a ConfigMap).
-- Lua 5.1 with the base and table libraries only, as Argo CD runs it.
local hs = {}

local function isTrue(status, kind)
  for _, condition in ipairs(status.conditions or {}) do
    if condition.type == kind then
      return condition.status == "True"
    end
  end
  return false
end

local function failureMessage(failure)
  local where = ""
  if failure.version ~= nil then
    where = " at version " .. failure.version
  end
  if failure.file ~= nil then
    where = where .. " (" .. failure.file
    if failure.line ~= nil then
      where = where .. ":" .. tostring(failure.line)
    end
    where = where .. ")"
  end
  return failure.reason .. where .. ": " .. failure.message
end

local status = obj.status
local generation = obj.metadata.generation
if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the dbmigrate operator to look at this DatabaseMigration"
  return hs
end
if generation ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the dbmigrate operator to look at generation " .. tostring(generation)
    .. " (the status is of generation " .. tostring(status.observedGeneration) .. ")"
  return hs
end
if isTrue(status, "Ready") then
  hs.status = "Healthy"
  hs.message = status.message or "Ready"
  return hs
end
if status.phase == "Failed" or isTrue(status, "Failed") or isTrue(status, "Stalled") then
  hs.status = "Degraded"
  if status.failure ~= nil then
    hs.message = failureMessage(status.failure)
  else
    hs.message = status.message or status.phase
  end
  return hs
end
hs.status = "Progressing"
hs.message = status.message or status.phase or "Waiting for the dbmigrate operator"
return hs
