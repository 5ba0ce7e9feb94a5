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
    And the run reports an error for Carl Consultant saying "not a verified domain"
    And Carl Consultant is active in Emply
    And Tim Temp is active in Emply

  @EXT-1
  Scenario: Switching "create in Entra ID" off keeps new hand-made users out of Entra
    Given the setting "create in Entra ID" is on
    And the sync has run
    When the administrator switches "create in Entra ID" off
    And Tom Trainee is created by hand in Emply with the e-mail "tom.trainee@contoso.com"
    And the sync runs
    Then Tom Trainee is not an Entra user
    And Tom Trainee is active in Emply
