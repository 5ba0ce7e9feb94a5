Feature: Users made by hand in Emply
  People created in Emply outside the synced groups — consultants, temps — are never
  deactivated by the sync. With "create in Entra ID" on they are created in Entra too;
  switched off, they stay out of Entra.

  Background:
    Given the Entra tenant "Contoso" with the domain contoso.com
    And the Entra users:
      | name     |
      | Ray Ross |
    And the Entra groups:
      | group    | members  |
      | Employee | Ray Ross |
    And the Emply users:
      | name            | email                |
      | Carl Consultant | carl@partner.example |
      | Tim Temp        | tim.temp@contoso.com |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |

  @EXT-1
  Scenario: Users made by hand are never deactivated by the sync
    When the sync runs 2 times
    Then Carl Consultant is active in Emply
    And Tim Temp is active in Emply
    And Tim Temp is not an Entra user

  @EXT-1
  Scenario: With "create in Entra ID" on, users made by hand are created in Entra as well
    Given the setting "create in Entra ID" is on
    When the sync runs
    Then Tim Temp is an Entra user
    And Tim Temp's Emply user is linked to their Entra user
    And Carl Consultant is an Entra user
    And Carl Consultant is active in Emply
    And Tim Temp is active in Emply
    And the last run ended "success"

  @EXT-1
  Scenario: Users created in Entra by the sync stay active at every later run
    Given the Emply administrator role "Administrator"
    And the Emply users:
      | name      | email             | roles         |
      | Ada Admin | ada@contoso.com   | Administrator |
    And the setting "create in Entra ID" is on
    When the sync runs 4 times
    Then Tim Temp is active in Emply
    And Carl Consultant is active in Emply
    And Ada Admin is active in Emply
    And Ada Admin has the roles Administrator
    And Ada Admin's Emply user is linked to their Entra user
    And the list of deactivated users is empty
    And the last run ended "success"

  @EXT-1
  Scenario: An e-mail on a domain the tenant has not verified gets a sign-in name on the default domain
    Given the setting "create in Entra ID" is on
    When the sync runs
    Then Carl Consultant's sign-in name in Entra is "carl@contoso.com"
    And Carl Consultant's e-mail in Entra is "carl@partner.example"
    And Carl Consultant's Emply user is linked to their Entra user
    And the run log has a "create_in_entra" change for Carl Consultant under the rule "EXT-1"

  @EXT-1 @DEL-1
  Scenario: A user made in Emply and created in Entra is deactivated only when deleted in Entra
    Given the setting "create in Entra ID" is on
    And the sync has run 2 times
    When Tim Temp is deleted in Entra
    And the sync runs
    Then Tim Temp is deactivated with the reason "deleted_in_entra"
    And Carl Consultant is active in Emply

  @EXT-1
  Scenario: Switching "create in Entra ID" off keeps new hand-made users out of Entra
    Given the setting "create in Entra ID" is on
    And the sync has run
    When the administrator switches "create in Entra ID" off
    And Tom Trainee is created by hand in Emply with the e-mail "tom.trainee@contoso.com"
    And the sync runs
    Then Tom Trainee is not an Entra user
    And Tom Trainee is active in Emply
