Feature: Leaving the company: deletion and resignation
  Deleting someone in Entra deactivates their Emply user but leaves their employee
  Active; employees leave through a resignation date. With "delete in Entra ID" on,
  Emply deletes the Entra user when the employee is archived or the user is deleted
  in Emply; the Entra user can then be restored from Entra's deleted users.

  Background:
    Given the Entra users:
      | name         |
      | Ray Ross     |
      | Megan Jordan |
    And the Entra groups:
      | group    | members                |
      | Employee | Ray Ross, Megan Jordan |
    And the Emply users:
      | name     | connected to an employee |
      | Ray Ross | yes                      |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |

  @DEL-1 @DEL-2
  Scenario: Deleting the Entra user deactivates the Emply user and leaves the employee Active
    Given the sync has run
    When Ray Ross is deleted in Entra
    And the sync runs
    Then Ray Ross is deactivated with the reason "deleted_in_entra"
    And Ray Ross's employee is Active

  @DEL-2
  Scenario: A resignation date makes the employee Pending, and on that date Archived
    Given the sync has run
    When Ray Ross's employee gets the resignation date 2026-01-06
    Then Ray Ross's employee is Pending
    And Ray Ross is active in Emply
    When the clock reaches 2026-01-06
    Then Ray Ross's employee is Archived
    And Ray Ross is deactivated with the reason "employee_archived"

  @DEL-1 @DEL-2
  Scenario: With "delete in Entra ID" on, archiving the employee deletes the Entra user, which can be restored
    Given the setting "delete in Entra ID" is on
    And the sync has run
    When Ray Ross's employee leaves on 2026-01-06 and the day comes
    And the sync runs
    Then Ray Ross is deactivated with the reason "employee_archived"
    And Ray Ross is in Entra's deleted users
    And the run log has a "delete_in_entra" change for Ray Ross under the rule "DEL-1"
    When Ray Ross is restored from Entra's deleted users
    Then Ray Ross is still an Entra user

  @DEL-1
  Scenario: With "delete in Entra ID" on, deleting the user in Emply deletes the Entra user
    Given the setting "delete in Entra ID" is on
    And the sync has run
    When Megan Jordan is deleted in Emply
    And the sync runs
    Then Megan Jordan is in Entra's deleted users
    And Emply has no user for Megan Jordan

  @DEL-1
  Scenario: With "delete in Entra ID" off, Emply never deletes anything in Entra
    Given the sync has run
    When Ray Ross's employee leaves on 2026-01-06 and the day comes
    And Megan Jordan is deleted in Emply
    And the sync runs
    Then Ray Ross is still an Entra user
    And Megan Jordan is still an Entra user
    And the integration has written nothing to Entra
