package main

// vCenter's privilege check, evaluated from the simulator's roles and permissions.
//
// The upstream simulator answers AuthorizationManager.HasUserPrivilegeOnEntities with "granted" for every
// privilege. Here it is answered as vCenter does: the permissions of the user on the entity, or else the
// nearest ancestor's propagating permissions, give the user the privileges of their roles. Principals compare
// case-insensitively with "user@domain" and "DOMAIN\user" as the same user. The logins named by -username and
// -extra-user get the Admin role on the root folder, so the default login keeps every privilege and an extra
// user has exactly what a test grants it.

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// privilegeCheck is the simulator's AuthorizationManager with vCenter's answer to HasUserPrivilegeOnEntities.
type privilegeCheck struct {
	*simulator.AuthorizationManager
}

// principal is the comparable form of a user name: lower case, "domain\user".
func principal(name string) string {
	name = strings.ToLower(name)
	if user, domain, found := strings.Cut(name, "@"); found {
		return domain + `\` + user
	}
	return name
}

func (p *privilegeCheck) rolePrivileges(id int32) []string {
	for _, role := range p.RoleList {
		if role.RoleId == id {
			return role.Privilege
		}
	}
	return nil
}

// granted lists the privileges `user` holds on `entity`: from the nearest entity (itself, then its ancestors)
// where the user has a permission, counting an ancestor's permission only when it propagates.
func (p *privilegeCheck) granted(ctx *simulator.Context, entity types.ManagedObjectReference, user string) map[string]bool {
	result := map[string]bool{}
	for ref := &entity; ref != nil; {
		body := p.RetrieveEntityPermissions(ctx, &types.RetrieveEntityPermissions{Entity: *ref})
		found := false
		for _, perm := range body.(*methods.RetrieveEntityPermissionsBody).Res.Returnval {
			if perm.Group || principal(perm.Principal) != user || (*ref != entity && !perm.Propagate) {
				continue
			}
			found = true
			for _, id := range p.rolePrivileges(perm.RoleId) {
				result[id] = true
			}
		}
		if found {
			return result
		}
		obj, ok := ctx.Map.Get(*ref).(mo.Entity)
		if !ok {
			break
		}
		ref = obj.Entity().Parent
	}
	return result
}

// HasUserPrivilegeOnEntities answers, per entity and privilege, whether the user holds it.
func (p *privilegeCheck) HasUserPrivilegeOnEntities(ctx *simulator.Context, req *types.HasUserPrivilegeOnEntities) soap.HasFault {
	var answer []types.EntityPrivilege
	user := principal(req.UserName)
	for _, entity := range req.Entities {
		granted := p.granted(ctx, entity, user)
		item := types.EntityPrivilege{Entity: entity}
		for _, id := range req.PrivId {
			item.PrivAvailability = append(item.PrivAvailability, types.PrivilegeAvailability{PrivId: id, IsGranted: granted[id]})
		}
		answer = append(answer, item)
	}
	return &methods.HasUserPrivilegeOnEntitiesBody{Res: &types.HasUserPrivilegeOnEntitiesResponse{Returnval: answer}}
}

// installPrivilegeCheck puts privilegeCheck in the place of the AuthorizationManager and gives `admins` the Admin role
// on the root folder.
func installPrivilegeCheck(model *simulator.Model, admins []string) {
	registry := model.Map()
	content := registry.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	manager := registry.Get(*content.AuthorizationManager).(*simulator.AuthorizationManager)
	root := content.RootFolder
	ctx := model.Service.Context
	body := manager.RetrieveEntityPermissions(ctx, &types.RetrieveEntityPermissions{Entity: root})
	permissions := body.(*methods.RetrieveEntityPermissionsBody).Res.Returnval
	for _, name := range admins {
		permissions = append(permissions, types.Permission{Entity: &root, Principal: name, RoleId: -1, Propagate: true})
	}
	manager.SetEntityPermissions(&types.SetEntityPermissions{Entity: root, Permission: permissions})
	registry.Put(&privilegeCheck{manager}) // the registry now answers with the check for the manager's reference
}
