Feature: Roles follow the synced groups, within limits
  The HR administrator maps Entra groups to Emply roles. A user the sync creates
  starts with the mapped roles; with "update roles after first sync" on, later runs
  keep roles in line with the groups, except for people connected to an employee,
  administrators, and roles of groups taken out of the integration.

  Background:
    Given the Entra tenant "Contoso" with the domain contoso.com
    And the Entra users:
      | name         |
      | Ray Ross     |
      | Megan Jordan |
      | Helle Holm   |
      | Ada Admin    |
    And the Entra groups:
      | group    | members                           |
      | Employee | Ray Ross, Megan Jordan, Ada Admin |
      | HR       | Ray Ross, Megan Jordan, Helle Holm |
    And the Emply roles Employee, HR, Manager and New employee
    And the Emply administrator role "Administrator"
    And the Emply users:
      | name         | roles                 | connected to an employee |
      | Ray Ross     | Employee, HR, Manager | yes                      |
      | Megan Jordan | Employee, HR, Manager | no                       |
      | Ada Admin    | Administrator         | no                       |
      | Bo Boss      | Administrator         | no                       |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |
      | HR       | HR       |
    And the setting "update roles after first sync" is on

  @SYNC-6
  Scenario Outline: Megan Jordan's roles when <what happened> (the FAQ's case <case>)
    Given the sync has run 2 times
    When <change>
    And the sync runs
    Then Megan Jordan has the roles <roles after>
    And Megan Jordan is active in Emply
    And the last run ended "success"

    Examples:
      | case | what happened                        | change                                                  | roles after                    |
      | a    | nothing changed                      | nothing changes                                         | Employee, HR and Manager       |
      | b    | she left the group HR                | Megan Jordan leaves the Entra group "HR"                | Employee, HR and Manager       |
      | c    | Employee and HR were taken in Emply  | the roles Employee and HR are taken from Megan Jordan in Emply | Employee and HR          |
      | d    | the group Employee was remapped      | the synced group "Employee" is mapped to the role "New employee" | New employee, HR and Manager |

  @SYNC-6
  Scenario Outline: Ray Ross, connected to an employee, keeps his roles when <what happened>
    Given the sync has run 2 times
    When <change>
    And the sync runs
    Then Ray Ross has the roles <roles after>
    And Ray Ross is active in Emply

    Examples:
      | what happened                  | change                                                  | roles after              |
      | he left the group HR           | Ray Ross leaves the Entra group "HR"                    | Employee, HR and Manager |
      | roles were taken in Emply      | the roles Employee and HR are taken from Ray Ross in Emply | Manager               |
      | the group Employee was remapped | the synced group "Employee" is mapped to the role "New employee" | Employee, HR and Manager |

  @SYNC-6
  Scenario: A user the sync creates starts with the roles of their groups
    When the sync runs
    Then Helle Holm has the roles HR
    And Helle Holm's Emply user is linked to their Entra user
    And the last run ended "success"

  @SYNC-6 @SYNC-1
  Scenario: Someone who already had an Emply user keeps their roles when linked, and gets the group roles on the next run
    # The link run changes no roles; the next run treats their groups as joined (step 2).
    Given the Entra users:
      | name         |
      | Lars Nielsen |
    And the Entra groups:
      | group    | members      |
      | Employee | Lars Nielsen |
    And the Emply users:
      | name         | roles   |
      | Lars Nielsen | Manager |
    When the sync runs
    Then Lars Nielsen has the roles Manager
    And Lars Nielsen's Emply user is linked to their Entra user
    And the last run ended "success"
    When the sync runs again
    Then Lars Nielsen has the roles Employee and Manager
    And the last run ended "success"

  @SYNC-6
  Scenario: With "update roles after first sync" off the sync leaves roles alone
    Given the sync has run 2 times
    When the administrator switches "update roles after first sync" off
    And the roles Employee and HR are taken from Megan Jordan in Emply
    And the synced group "HR" is mapped to the role "New employee"
    And the sync runs
    Then Megan Jordan has the roles Manager
    And the last run ended "success"

  @SYNC-6
  Scenario: A group newly added to the integration adds its role to its members
    Given the Entra groups:
      | group      | members      |
      | Team leads | Megan Jordan |
    And the sync has run 2 times
    When the group "Team leads" is added to the integration with the role "Manager"
    And the roles Manager are taken from Megan Jordan in Emply
    And the sync runs
    Then Megan Jordan has the roles Employee, HR and Manager
    And the last run ended "success"

  @SYNC-4
  Scenario: Taking a group out of the integration stops maintaining its role
    Given the sync has run 2 times
    When the group "HR" is taken out of the integration
    And the sync runs
    Then Helle Holm is deactivated with the reason "group_removed_from_integration"
    And Helle Holm has the roles HR
    And Megan Jordan is active in Emply
    When the roles Employee are taken from Megan Jordan in Emply
    And the sync runs
    Then Megan Jordan has the roles Employee and HR
    And the last run ended "success"

  @SYNC-9
  Scenario: An administrator in a synced group is out of role sync's reach, but not out of status sync
    Given the sync has run 2 times
    Then Ada Admin has the roles Administrator
    When Ada Admin leaves the Entra group "Employee"
    And the sync runs
    Then Ada Admin is deactivated with the reason "left_synced_groups"
    And Ada Admin has the roles Administrator

  @SYNC-9
  Scenario: A synced group cannot be mapped to an administrator role
    When someone tries to map the synced group "HR" to the role "Administrator"
    Then the request is refused with "admin_role_mapping_refused"
    And the refusal says "administrator"

  @SYNC-9
  Scenario Outline: Only another administrator can take an administrator role away
    Given the sync has run
    When <actor> removes the role "Administrator" from <whom>
    Then <answer>
    And Ada Admin has <roles after>

    Examples:
      | actor        | whom       | answer                                             | roles after             |
      | Megan Jordan | Ada Admin  | the request is refused with "admin_role_protected" | the roles Administrator |
      | Ada Admin    | themselves | the request is refused with "admin_role_protected" | the roles Administrator |
      | Bo Boss      | Ada Admin  | the request is accepted                            | no roles                |
