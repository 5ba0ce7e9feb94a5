Feature: One Entra tenant, any number of domains
  Emply's integration holds exactly one Entra tenant. Everyone in the synced groups
  is in scope, whichever verified domain of that tenant their address is in.

  Background:
    Given the Entra tenant "Contoso" with the domains contoso.com and contoso.dk
    And the Entra users:
      | name      | email                |
      | Ray Ross  | ray.ross@contoso.com |
      | Nina Holm | nina.holm@contoso.dk |
    And the Entra groups:
      | group    | members             |
      | Employee | Ray Ross, Nina Holm |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |

  @TEN-1
  Scenario: Setting up a second tenant is refused and the first one is kept
    When the administrator sets up the integration for another Entra tenant
    Then the request is refused with "tenant_already_configured"
    And the refusal says "only one tenant"
    And the integration is still set up for the Entra tenant "Contoso"

  @TEN-1
  Scenario: Users of every verified domain of the tenant are synced
    When the sync runs
    Then Ray Ross is active in Emply
    And Nina Holm is active in Emply
    And Ray Ross has the roles Employee
    And Nina Holm has the roles Employee
