-- Argo CD health of a dbmigrate.dev ConfigSync: the value of argocd-cm's
-- resource.customizations.health.dbmigrate.dev_ConfigSync (see docs/gitops.md).
--   Suspended    spec.suspend is true: no new syncs until it is set back to false.
--   Healthy      Ready for the current generation: every row is in its table.
--   Degraded     Failed, or stalled on something only a change lifts; the message names the
--                reason, table, row key and column.
--   Progressing  anything else: no status yet, a status of an older generation, a sync
--                running, or waiting for something that comes by itself (its
--                DatabaseMigration, a ConfigMap, the database).
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
  local where = {}
  if failure.table ~= nil then
    table.insert(where, "table " .. failure.table)
  end
  if failure.rowKey ~= nil then
    table.insert(where, "row " .. failure.rowKey)
  end
  if failure.column ~= nil then
    table.insert(where, "column " .. failure.column)
  end
  if #where == 0 then
    return failure.reason .. ": " .. failure.message
  end
  return failure.reason .. " (" .. table.concat(where, ", ") .. "): " .. failure.message
end

local status = obj.status
local generation = obj.metadata.generation
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true: no new syncs until it is set back to false"
  return hs
end
if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the dbmigrate operator to look at this ConfigSync"
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
