Feature: Emply writes master data to Entra only when asked to
  With "update Entra ID" on, the employee profile in Emply is the master of name, job
  title, department and phone numbers, and the sync writes them to the Entra user.
  With it off Emply never changes Entra. Users mastered by on-premises Active
  Directory cannot be changed through Graph and are skipped.

  Background:
    Given the Entra users:
      | name         |
      | Ray Ross     |
      | Megan Jordan |
    And the Entra groups:
      | group    | members                |
      | Employee | Ray Ross, Megan Jordan |
    And the Emply users:
      | name     | connected to an employee | job title |
      | Ray Ross | yes                      | CFO       |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |

  @SYNC-5
  Scenario: With "update Entra ID" on, the employee's master data is written to Entra
    Given the setting "update Entra ID" is on
    When the sync runs
    Then Ray Ross's job title in Entra is "CFO"
    And the run log has a "update_entra" change for Ray Ross under the rule "SYNC-5"

  @SYNC-5
  Scenario: A later change to the employee profile reaches Entra on the next run
    Given the setting "update Entra ID" is on
    And the sync has run
    When Ray Ross's employee's job title is changed to "CEO" in Emply
    And the sync runs
    Then Ray Ross's job title in Entra is "CEO"

  @SYNC-5
  Scenario: With "update Entra ID" off, Emply never changes an Entra user
    When the sync runs 3 times
    Then Ray Ross's job title in Entra is empty
    And the integration has written nothing to Entra

  @SYNC-11
  Scenario: A user mastered on-premises is skipped with the reason, and not retried
    Given the Entra users:
      | name       | hybrid |
      | Hal Hybrid | yes    |
    And the Entra groups:
      | group    | members    |
      | Employee | Hal Hybrid |
    And the Emply users:
      | name       | connected to an employee | job title |
      | Hal Hybrid | yes                      | Engineer  |
    And the setting "update Entra ID" is on
    When the sync runs
    Then the run log shows Hal Hybrid skipped under the rule "SYNC-11" because "on-premises"
    And Hal Hybrid's job title in Entra is empty
    And Ray Ross's job title in Entra is "CFO"
    When the sync runs again
    Then the last run has no change for Hal Hybrid under the rule "SYNC-11"
    And Hal Hybrid is active in Emply

  @SYNC-11
  Scenario Outline: In a tenant synced from on-premises AD, "<setting>" cannot be switched on
    Given the Entra tenant is synced from on-premises Active Directory
    When the administrator switches "<setting>" on
    Then the request is refused with "hybrid_tenant_write_refused"
    And the refusal says "on-premises"
    And the setting "<setting>" is still off

    Examples:
      | setting            |
      | update Entra ID    |
      | delete in Entra ID |
      | create in Entra ID |
