Feature: Profile pictures come from Entra, one way
  The sync copies a user's Entra photo to Emply, but only for users who are not
  connected to an employee. Nothing sends photos the other way: anyone who wants the
  Emply photo in Entra uploads it through Graph themselves.

  Background:
    Given the Entra users:
      | name         | photo      |
      | Ray Ross     | image/jpeg |
      | Megan Jordan | image/png  |
    And the Entra groups:
      | group    | members                |
      | Employee | Ray Ross, Megan Jordan |
    And the Emply users:
      | name     | roles    | connected to an employee |
      | Ray Ross | Employee | yes                      |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |

  @PIC-1
  Scenario: A user without an employee gets their Entra photo
    When the sync runs
    Then Megan Jordan's Emply photo is the same as their Entra photo

  @PIC-1
  Scenario: A new photo in Entra reaches Emply within a day
    Given the sync has run
    When Megan Jordan gets a new profile photo in Entra
    And a day of scheduled runs passes
    Then Megan Jordan's Emply photo is the same as their Entra photo

  @PIC-1
  Scenario: A user connected to an employee never gets a photo from the sync
    When the sync runs
    And Ray Ross gets a new profile photo in Entra
    And a day of scheduled runs passes
    Then Ray Ross has no photo in Emply
    And Megan Jordan's Emply photo is the same as their Entra photo

  @PIC-1
  Scenario: The photo of a user connected to an employee is changed in Emply only
    Given the sync has run
    And Ray Ross has a new profile photo in Emply
    When Ray Ross gets a new profile photo in Entra
    And a day of scheduled runs passes
    Then Ray Ross's Emply photo is the one uploaded in Emply

  @PIC-2
  Scenario: The sync never sends a photo to Entra, even when it writes master data to Entra
    Given the setting "update Entra ID" is on
    And the sync has run
    When Ray Ross gets a new profile photo in Emply
    And the sync runs 2 times
    Then Ray Ross's Entra photo is not their Emply photo
    And the integration has sent no photo to Entra

  @PIC-2
  Scenario: The example script copies a photo from Emply to Entra through Graph
    Given the sync has run
    When Ray Ross gets a new profile photo in Emply
    And the example script copies the photos of Ray Ross from Emply to Entra
    Then the example script reports 1 photos copied
    And Ray Ross's Entra photo is the same as their Emply photo
    And the integration has sent no photo to Entra
