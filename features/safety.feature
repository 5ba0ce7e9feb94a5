Feature: Safety nets around the sync
  The sync never decides on a partial read, holds a run that would deactivate too
  many people until a person confirms it, and explains every change it makes.

  Background:
    Given the Entra users:
      | name         |
      | Megan Jordan |
      | Nina Holm    |
    And the Entra groups:
      | group    | members                 |
      | Employee | Megan Jordan, Nina Holm |
      | HR       | Megan Jordan            |
    And 30 more Entra users in the group "Employee"
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |
      | HR       | HR       |

  @SAFE-1
  Scenario: A run that cannot read the groups from Graph deactivates nobody
    Given the sync has run
    When Nina Holm leaves the Entra group "Employee"
    And Graph fails every request to "/groups"
    And the sync runs
    Then the last run ended "failure"
    And Nina Holm is active in Emply
    And the list of deactivated users is empty
    When Graph works normally again
    And the sync runs
    Then Nina Holm is deactivated with the reason "left_synced_groups"

  @SAFE-2
  Scenario: Deactivating exactly the threshold's share of the synced users is not held
    Given the deactivation threshold is 2 users and 25 percent
    And the sync has run
    When 8 of the extra members leave the Entra group "Employee"
    And the sync runs
    Then the last run ended "success"
    And 8 users are deactivated in Emply

  @SAFE-2
  Scenario: One more than the threshold's share is held
    Given the deactivation threshold is 2 users and 25 percent
    And the sync has run
    When 9 of the extra members leave the Entra group "Employee"
    And the sync runs
    Then the run is held
    And the list of deactivated users is empty

  @SAFE-2
  Scenario: A run that would deactivate too many users is held until a person confirms it
    Given the sync has run
    When 25 of the extra members leave the Entra group "Employee"
    And the sync runs
    Then the run is held
    And the list of deactivated users is empty
    When the sync runs again
    Then the run is held
    And the list of deactivated users is empty
    When the held run is confirmed
    Then the last run ended "success"
    And 25 users are deactivated in Emply

  @SAFE-2
  Scenario: A rejected run applies nothing and the next run starts afresh
    Given the sync has run
    When 25 of the extra members leave the Entra group "Employee"
    And the sync runs
    And the held run is rejected
    Then the list of deactivated users is empty
    And the rejected run is marked "rejected" in the run log
    When the sync runs again
    Then the run is held

  @SAFE-2
  Scenario Outline: <leaving> leave with a threshold of <minimum> users and <percent> percent: <outcome>
    Given the deactivation threshold is <minimum> users and <percent> percent
    And the sync has run
    When <leaving> of the extra members leave the Entra group "Employee"
    And the sync runs
    Then <outcome>

    Examples:
      | leaving | minimum | percent | outcome                          |
      | 9       | 10      | 20      | 9 users are deactivated in Emply  |
      | 10      | 10      | 20      | the run is held                  |
      | 9       | 5       | 50      | 9 users are deactivated in Emply  |
      | 9       | 5       | 10      | the run is held                  |

  @SAFE-3
  Scenario: Every change the sync makes is explained in the run log
    Given the sync has run
    When Nina Holm leaves the Entra group "Employee"
    And the sync runs
    Then every change in the run log names its rule and gives a reason
    And every change to a user's status or roles shows the old and the new value
    And the run log has a "deactivate" change for Nina Holm under the rule "SYNC-3"
